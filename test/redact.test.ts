import { Redactor, SECRET_RUN, maskableParts, quoteUntrusted } from '../src/redact';

const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJjYWxsZXIiLCJhdWQiOiJhcGk6Ly9vcmRlcnMifQ.c2lnbmF0dXJlLW9mLXRoZS1yZWFsLXRva2VuLWJ5LXRoZS1pc3N1ZXI';
const [HEADER, PAYLOAD, SIGNATURE] = TOKEN.split('.') as [string, string, string];

describe('Redactor', () => {
  const redactor = new Redactor([TOKEN]);

  test.each([
    ['the whole token', `Bearer ${TOKEN}`, 'Bearer [redacted]'],
    ['header.payload (the forged-known-kid probe)', `seen ${HEADER}.${PAYLOAD}.attackersig`, 'seen [redacted]attackersig'],
    ['the signature alone (the tampered-payload probe)', `sig=${SIGNATURE};`, 'sig=[redacted];'],
    ['exactly 16 characters of it', `x${SIGNATURE.slice(10, 10 + SECRET_RUN)}x`, 'x[redacted]x'],
    ['15 characters of it stay (below the run length)', `x${SIGNATURE.slice(10, 10 + SECRET_RUN - 1)}x`, `x${SIGNATURE.slice(10, 10 + SECRET_RUN - 1)}x`],
    ['two separate pieces', `${HEADER} and ${SIGNATURE}`, '[redacted] and [redacted]'],
    ['text without it', 'answered 401, expected 200', 'answered 401, expected 200'],
  ])('%s', (_name, text, expected) => {
    expect(redactor.redact(text)).toBe(expected);
  });

  test('shorter secrets are matched whole, and very short ones (Bearer) never', () => {
    const short = new Redactor(['pa55w0rd-x', 'Bearer']);
    expect(short.redact('user pa55w0rd-x Bearer')).toBe('user [redacted] Bearer');
    expect(short.empty).toBe(false);
    expect(new Redactor([undefined, 'Bearer']).empty).toBe(true);
  });
});

describe('quoteUntrusted', () => {
  const redactor = new Redactor([TOKEN]);
  test('drops control characters, quotes and bidi overrides, then redacts (so split pieces cannot hide a token)', () => {
    const hostile = `x"'\`\u0000\r\n::set-output name=a::b\u202e${HEADER.slice(0, 20)}\n${HEADER.slice(20)}`;
    expect(quoteUntrusted(hostile, redactor)).toBe('x::set-output name=a::b[redacted]');
  });
  test('leaves no legacy workflow command (##[ is honoured anywhere in a log line)', () => {
    expect(quoteUntrusted('https://x/##[set-output name=verdict]pass ###[add-mask]401', redactor)).toBe(
      'https://x/#[set-output name=verdict]pass #[add-mask]401',
    );
  });
  test('is bounded, and keeps quotes only when asked', () => {
    expect(quoteUntrusted('a'.repeat(400), redactor)).toHaveLength(300);
    expect(quoteUntrusted('a'.repeat(400), redactor, { max: 50 })).toBe(`${'a'.repeat(47)}...`);
    expect(quoteUntrusted(`Entra said 'no'\r\n`, redactor, { keepQuotes: true })).toBe("Entra said 'no'");
  });
});

describe('maskableParts', () => {
  test('the secret, each of its lines, and each separated segment of 16+ characters', () => {
    expect(maskableParts(TOKEN)).toEqual([TOKEN, HEADER, PAYLOAD, SIGNATURE]);
    expect(maskableParts(`${HEADER}\n${PAYLOAD}`)).toEqual([`${HEADER}\n${PAYLOAD}`, HEADER, PAYLOAD]);
    expect(maskableParts('short')).toEqual(['short']);
    expect(maskableParts(' \n ')).toEqual([]);
  });
});
