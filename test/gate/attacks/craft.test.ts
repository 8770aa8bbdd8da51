import { createPublicKey, X509Certificate, type JsonWebKey } from 'node:crypto';
import { decodeProtectedHeader, exportJWK } from 'jose';
import {
  ATTACKS,
  ATTACK_CODES,
  attackerKeys,
  craftAttacks,
  fetchIssuerKey,
  parseToken,
  prepareAttacks,
  verifyApiGate,
  weakerAudienceEvidence,
} from '../../../src/gate';
import { createTestIssuer, type TestIssuer } from '../helpers/issuer';
import { startTestApi } from '../helpers/test-api';
import { virtualTime } from '../helpers/virtual-time';

let issuer: TestIssuer;
let token: string;
beforeAll(async () => {
  issuer = await createTestIssuer();
  token = await issuer.sign();
  await attackerKeys();
});

const header = (value: string) => decodeProtectedHeader(value.replace(/^(Bearer|bearer) +/, '')) as Record<string, unknown>;

describe('the attack registry', () => {
  test('codes are unique, and every attack says what it is, where it comes from, what acceptance means and the fix', () => {
    expect(new Set(ATTACK_CODES).size).toBe(ATTACKS.length);
    for (const attack of ATTACKS) {
      expect(attack.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const field of [attack.title, attack.reference, attack.acceptance, attack.fix]) expect(field.length).toBeGreaterThan(5);
    }
    // Only the minted probe has no craft.
    expect(ATTACKS.filter((a) => !('craft' in a)).map((a) => a.code)).toEqual(['other-audience']);
  });
});

describe('crafting from (token, issuer key, attacker keys)', () => {
  test('one credential per crafted attack, the same for any path, with the shapes each attack needs', async () => {
    const { credentials, skipped } = await prepareAttacks({ token });
    expect(skipped).toEqual([]);
    const by = Object.fromEntries(credentials.map((c) => [c.auth, c.authorization]));
    const genuineSignature = token.split('.')[2]!;
    expect(header(by['alg-none-mixed-case']!).alg).toBe('nOnE');
    expect(by['alg-none-mixed-case']!.endsWith('.')).toBe(true);
    expect(by['alg-none-uppercase-kept-signature']!.endsWith(`.${genuineSignature}`)).toBe(true);
    expect(by['signature-stripped']).toBe(`Bearer ${token.split('.').slice(0, 2).join('.')}.`);
    expect(by['signature-segment-missing']).toBe(`Bearer ${token.split('.').slice(0, 2).join('.')}`);
    expect(by['signature-truncated']!.length).toBeLessThan(`Bearer ${token}`.length);
    expect(by['psychic-signature-der']!.endsWith('.MAYCAQACAQA')).toBe(true);
    expect(header(by['kid-path-traversal']!)).toMatchObject({ alg: 'HS256', kid: '../../../../../../dev/null' });
    expect(header(by['kid-missing']!)).not.toHaveProperty('kid');
    expect(header(by['kid-empty']!).kid).toBe('');
    expect(header(by['embedded-jwk']!)).toMatchObject({ kid: issuer.kid, jwk: { kty: 'RSA', kid: issuer.kid } });
    expect(header(by['jku-untrusted-host']!).jku).toMatch(/^https:\/\/[^/]+\.invalid\//);
    expect(by['jwe-shaped']!.split('.')).toHaveLength(5);
    expect(by['extra-segment']).toMatch(new RegExp(`^Bearer ${token.replace(/\./g, '\\.')}\\.`));
    expect(JSON.parse(by['jws-json-serialization']!.slice(7))).toMatchObject({ protected: token.split('.')[0], signature: genuineSignature });
    expect(by['oversized-header']!.length).toBeGreaterThan(10_240);
    expect(by['header-raw-token']!.startsWith('ey')).toBe(true);
    expect(by['header-double-space']!.startsWith('Bearer  ey')).toBe(true);
    expect(credentials.filter((c) => c.role === 'informational').map((c) => c.authorization)).toEqual([`bearer ${token}`, `Bearer  ${token}`, token]);
  });

  test('the x5c attack carries a self-signed certificate of the attacker key, which node:crypto reads', async () => {
    const { credentials } = await prepareAttacks({ token, only: ['embedded-x5c'] });
    const x5c = header(credentials[0]!.authorization).x5c as string[];
    const certificate = new X509Certificate(Buffer.from(x5c[0]!, 'base64'));
    expect(certificate.subject).toContain('entra-api-guard attacker');
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    const attacker = await attackerKeys();
    expect(await exportJWK(certificate.publicKey)).toMatchObject({ n: attacker.publicJwk.n, e: attacker.publicJwk.e });
  });

  test('key confusion signs with the issuer public key in each form (HS256, genuine kid)', async () => {
    const jwk = { ...issuer.jwks.keys[0]! };
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const { credentials } = await craftAttacks({
      token: parseToken(token, 0),
      issuerKey: { key: { key, jwk } },
      attacker: await attackerKeys(),
      nowSeconds: 0,
      only: ['key-confusion-pem', 'key-confusion-der'],
    });
    expect(credentials.map((c) => header(c.authorization))).toEqual([
      expect.objectContaining({ alg: 'HS256', kid: issuer.kid }),
      expect.objectContaining({ alg: 'HS256', kid: issuer.kid }),
    ]);
  });

  test("key confusion is skipped with a reason when the issuer's keys cannot be had, never failing the gate", async () => {
    const noIssuer = await fetchIssuerKey(parseToken(await issuer.sign({ iss: 'http://203.0.113.9/tenant/v2.0' }), 0));
    expect(noIssuer).toEqual({ skipReason: expect.stringMatching(/neither https nor loopback http/) });
    const unknownKid = await fetchIssuerKey(parseToken(await issuer.sign({}, { header: { kid: 'rotated-away' } }), 0));
    expect(unknownKid).toEqual({ skipReason: expect.stringMatching(/no RSA signing key with the token's kid rotated-away/) });
    const gone = await fetchIssuerKey(parseToken(await issuer.sign({ iss: 'http://127.0.0.1:1/tenant/v2.0' }), 0));
    expect(gone).toEqual({ skipReason: expect.stringMatching(/^the issuer's signing keys could not be fetched: the discovery document could not be fetched/) });

    const api = await startTestApi({ issuer, trustedIssuer: 'http://127.0.0.1:1/tenant/v2.0' });
    try {
      const { now, sleep, fetch } = virtualTime();
      const run = await verifyApiGate({
        apiUrl: api.url,
        paths: ['/orders'],
        token: await issuer.sign({ iss: 'http://127.0.0.1:1/tenant/v2.0' }),
        attacks: ['key-confusion-pem', 'key-confusion-der', 'alg-none'],
        timeoutMs: 10_000,
        intervalMs: 500,
        now,
        sleep,
        fetch,
      });
      expect(run.verdict.pass).toBe(true);
      expect(run.skipped.map((s) => s.auth)).toEqual(['key-confusion-pem', 'key-confusion-der']);
      // One warning for one cause.
      expect(run.verdict.warnings).toEqual([
        expect.stringMatching(/^key-confusion-pem GET \/orders, key-confusion-der GET \/orders not probed: the issuer's signing keys could not be fetched/),
      ]);
    } finally {
      await api.close();
    }
  });

  test('without a token, made-up claims stand in and nothing needing the issuer is crafted', async () => {
    const { credentials, skipped } = await prepareAttacks({});
    expect(skipped.map((s) => s.auth)).toEqual(ATTACKS.filter((a) => 'needsIssuerKey' in a).map((a) => a.code));
    expect(credentials.some((c) => c.role === 'informational')).toBe(false);
    expect(credentials).toHaveLength(ATTACKS.length - 1 - skipped.length);
  });
});

describe('the wrong-audience probe', () => {
  test('a same-issuer decoy token is full evidence; a Graph-like token (nonce header, other issuer) is weaker, and says so', async () => {
    expect(weakerAudienceEvidence(token, await issuer.sign({ aud: 'api://decoy' }))).toBeUndefined();
    expect(weakerAudienceEvidence(token, await issuer.sign({ aud: 'https://graph.microsoft.com' }, { header: { nonce: 'abc' } }))).toMatch(
      /nonce header \(Microsoft Graph\).*weaker evidence.*decoy_scope/,
    );
    expect(weakerAudienceEvidence(token, await issuer.sign({ iss: 'https://sts.windows.net/x/' }))).toMatch(/another issuer/);
  });

  test('the gate warns when only weaker evidence was had, without failing', async () => {
    const api = await startTestApi({ issuer });
    try {
      const { now, sleep, fetch } = virtualTime();
      const run = await verifyApiGate({
        apiUrl: api.url,
        paths: ['/orders'],
        token,
        attacks: ['other-audience'],
        mintOtherAudienceToken: () => issuer.sign({ aud: 'https://graph.microsoft.com' }, { header: { nonce: 'n' } }),
        timeoutMs: 10_000,
        now,
        sleep,
        fetch,
      });
      expect(run.verdict.pass).toBe(true);
      expect(run.verdict.warnings).toEqual([expect.stringMatching(/^other-audience: its token carries a nonce header/)]);
    } finally {
      await api.close();
    }
  });
});
