import { main, type CliIo } from '../../src/cli';
import { ATTACKS, HEADER_FORMS } from '../../src/gate';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { CLIENT_ID, TENANT, localExchangeFlags, startFakeTokenEndpoint, type FakeTokenEndpoint } from '../token/helpers/fake-token-endpoint';

let issuer: TestIssuer;
let token: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  token = await issuer.sign({ note: 'CANARY-CLI-TOKEN' });
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function buffers(tty = false): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t), isTTY: tty },
    stderr: { write: (t: string) => (err += t), isTTY: tty },
    out: () => out,
    err: () => err,
  };
}

async function api(flaw?: 'open'): Promise<TestApi> {
  const server = await startTestApi({ issuer, ...(flaw ? { flaw } : {}) });
  closers.push(server.close);
  return server;
}

async function tokenEndpoint(answer: Parameters<typeof startFakeTokenEndpoint>[0]): Promise<FakeTokenEndpoint> {
  const server = await startFakeTokenEndpoint(answer);
  closers.push(server.close);
  return server;
}

/**
 * A passing gate ends as soon as every probe's answer is stable, so its deadline only bounds a loaded
 * machine (a 1 s one was missed with four jest workers beside terraform); a failing gate polls until
 * its deadline, so that one stays short.
 */
const PASSING = ['--timeout-seconds', '30'];
const FAILING = ['--timeout-seconds', '1'];

describe('entra-api-guard verify: usage errors exit 2 with one line', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing --api-url', ['verify'], /^error: --api-url: got nothing; expected the API base URL/],
    ['bad --api-url', ['verify', '--api-url', 'x'], /^error: --api-url: got "x"; expected an absolute https:\/\/ URL/],
    ['unknown option', ['verify', '--api-url', 'http://127.0.0.1:1', '--frobnicate'], /^error: option: got "--frobnicate"; expected one of the options/],
    ['missing value', ['verify', '--api-url'], /^error: --api-url: got nothing; expected a value after it/],
    [
      'bad status list',
      ['verify', '--api-url', 'http://127.0.0.1:1', '--expect-unauthenticated', '401,abc'],
      /^error: --expect-unauthenticated: got "401,abc"; expected HTTP statuses from 100 to 599, comma-separated/,
    ],
    // The CLI and the action share one parser: 1e3 or 0.5 are refused by both.
    [
      'exponent timeout',
      ['verify', '--api-url', 'http://127.0.0.1:1', '--timeout-seconds', '1e3'],
      /^error: --timeout-seconds: got "1e3"; expected a whole number of seconds from 1 to 3600/,
    ],
    [
      'bad timeout',
      ['verify', '--api-url', 'http://127.0.0.1:1', '--timeout-seconds', '0'],
      /^error: --timeout-seconds: got "0"; expected a whole number of seconds from 1 to 3600/,
    ],
    ['bad path', ['verify', '--api-url', 'http://127.0.0.1:1', '--path', 'orders'], /^error: --path: got "orders"; expected a path starting with \//],
    ['bad cloud', ['verify', '--api-url', 'http://127.0.0.1:1', '--cloud', 'mars'], /^error: --cloud: got "mars"; expected one of public, usgov, china, local/],
    [
      'local without host',
      ['verify', '--api-url', 'http://127.0.0.1:1', '--cloud', 'local'],
      /^error: --authority-host: got nothing; expected the loopback URL/,
    ],
    ['partial entra source', ['verify', '--api-url', 'http://127.0.0.1:1', '--tenant-id', TENANT], /^error: --client-id: got nothing; expected/],
    [
      'scope without .default',
      ['verify', '--api-url', 'http://127.0.0.1:1', '--tenant-id', TENANT, '--client-id', CLIENT_ID, '--scope', 'api://x'],
      /^error: --scope: got "api:\/\/x"; expected <App ID URI>\/\.default/,
    ],
    [
      'unset --token-env',
      ['verify', '--api-url', 'http://127.0.0.1:1', '--token-env', 'NOPE_UNSET'],
      /^error: --token-env: got "NOPE_UNSET"; expected the name of a set, non-empty environment variable/,
    ],
    ['unknown command', ['frobnicate'], /^error: command: got "frobnicate"; expected one of local, synth, deploy, verify/],
    // Regression: a value long enough to be shortened in the message used to come back as "nothing".
    [
      'long bad authority host',
      ['verify', '--api-url', 'http://127.0.0.1:1', '--authority-host', `http://example.com/${'x'.repeat(150)}`],
      /^error: --authority-host: got "http:\/\/example\.com\/x+\.\.\.; expected/,
    ],
  ];
  it.each(cases)('%s', async (_, argv, pattern) => {
    const io = buffers();
    expect(await main(argv, {}, io)).toBe(2);
    expect(io.err()).toMatch(pattern);
    expect(io.err()).toMatch(/\(see entra-api-guard (verify )?--help\)\n$/);
    expect(io.err().trimEnd().split('\n')).toHaveLength(1);
    expect(io.out()).toBe('');
  });

  it('two token sources: refused without echoing the token', async () => {
    const io = buffers();
    expect(await main(['verify', '--api-url', 'http://127.0.0.1:1', '--token-command', 'true', '--token', token], {}, io)).toBe(2);
    expect(io.err()).toMatch(/^error: --token-command: got "true"; expected one token source only: .*\(got --token too\)/);
    expect(io.err()).not.toContain(token);
  });

  it('--help prints the options and exits 0; no command prints the command list and exits 2', async () => {
    const io = buffers();
    expect(await main(['verify', '--help'], {}, io)).toBe(0);
    expect(io.out()).toContain('--token-command CMD');
    const bare = buffers();
    expect(await main([], {}, bare)).toBe(2);
    expect(bare.out()).toMatch(/verify {2}probe a deployed API/);
  });
});

describe('entra-api-guard verify: gate runs', () => {
  it('exits 0 against a correct API with --token, and 1 against an open one', async () => {
    const good = await api();
    const io = buffers();
    expect(await main(['verify', '--api-url', good.url, '--path', '/orders', '--token', token, ...PASSING], {}, io)).toBe(0);
    // Anonymous, valid, every crafted attack and three informational header forms (no minting with --token).
    const probes = 2 + ATTACKS.filter((a) => 'craft' in a).length + HEADER_FORMS.length;
    expect(io.out()).toMatch(new RegExp(`^entra-api-guard verify: PASS http://127\\.0\\.0\\.1:\\d+ \\(${probes} probes`));
    const open = await api('open');
    const bad = buffers();
    expect(await main(['verify', '--api-url', open.url, '--token', token, ...FAILING], {}, bad)).toBe(1);
    expect(bad.out()).toMatch(/ERR_GATE_OPEN_API none GET \/: answered 200/);
    expect(bad.out() + bad.err() + io.out() + io.err()).not.toContain(token);
  });

  it('--json prints a report that parses', async () => {
    const good = await api();
    const io = buffers();
    expect(
      await main(['verify', '--api-url', good.url, '--token-env', 'API_TOKEN', '--json', '--no-negative-probes', ...PASSING], { API_TOKEN: token }, io),
    ).toBe(0);
    const report = JSON.parse(io.out()) as { pass: boolean; probes: { request: { auth: string } }[] };
    expect(report.pass).toBe(true);
    expect(report.probes.map((p) => p.request.auth)).toEqual(['none', 'valid-token']);
    expect(io.out()).not.toContain(token);
  });

  it('--token-command: uses the command output as the token', async () => {
    const good = await api();
    const io = buffers();
    const code = await main(
      ['verify', '--api-url', good.url, '--token-command', 'printf "%s" "$GATE_TOKEN"', '--no-negative-probes', ...PASSING],
      { GATE_TOKEN: token, PATH: process.env['PATH'] },
      io,
    );
    expect(io.err()).toMatch(/^access token from command: iss=\S+ sub=caller-sp-object-id aud=\S+\n$/);
    expect(code).toBe(0);
  });

  it('client secret via --client-secret-env against a local Entra-shaped endpoint, with the wrong-audience probe', async () => {
    const good = await api();
    const entra = await tokenEndpoint([{ token: () => issuer.sign() }, { token: () => issuer.sign({ aud: 'https://graph.example' }) }]);
    const io = buffers();
    const argv = [
      'verify',
      '--api-url',
      good.url,
      ...localExchangeFlags(entra.url),
      '--client-secret-env',
      'SECRET',
      '--other-audience-scope',
      'api://other/.default',
      ...PASSING,
    ];
    expect(await main(argv, { SECRET: 'CANARY-CLI-SECRET' }, io)).toBe(0);
    expect(entra.requests.map((r) => [r.get('scope'), r.get('client_secret')])).toEqual([
      ['api://orders-api/.default', 'CANARY-CLI-SECRET'],
      ['api://other/.default', 'CANARY-CLI-SECRET'],
    ]);
    expect(io.out()).toContain('other-audience GET /');
    expect(io.out() + io.err()).not.toContain('CANARY-CLI-SECRET');
  });

  it('GitHub OIDC: a refused exchange exits 1 with one line naming the AADSTS code', async () => {
    const entra = await tokenEndpoint([{ aadsts: 700016 }]);
    const io: CliIo & { out(): string; err(): string } = { ...buffers(), getIDToken: async () => token };
    const captured = buffers();
    const withCapture = { ...io, stdout: captured.stdout, stderr: captured.stderr };
    const code = await main(['verify', '--api-url', 'http://127.0.0.1:1', ...localExchangeFlags(entra.url)], {}, withCapture);
    expect(code).toBe(1);
    const errorLines = captured
      .err()
      .split('\n')
      .filter((l) => l.startsWith('error'));
    expect(errorLines).toEqual([
      expect.stringMatching(/^error: token exchange failed \(AADSTS700016\): app 0a1b2c3d-.* was not found .*\[ERR_TOKEN_EXCHANGE_FAILED\]$/),
    ]);
    expect(entra.requests[0]!.get('client_assertion')).toBe(token);
    expect(captured.out() + captured.err()).not.toContain(token);
  });

  it('colours only on a terminal', async () => {
    const good = await api();
    const plain = buffers(false);
    await main(['verify', '--api-url', good.url, '--token', token, '--no-negative-probes', ...PASSING], {}, plain);
    expect(plain.out()).not.toContain('\u001b[');
    const tty = buffers(true);
    await main(['verify', '--api-url', good.url, '--token', token, '--no-negative-probes', ...PASSING], {}, tty);
    expect(tty.out()).toContain('\u001b[32mPASS\u001b[0m');
    const noColor = buffers(true);
    await main(['verify', '--api-url', good.url, '--token', token, '--no-negative-probes', ...PASSING], { NO_COLOR: '1' }, noColor);
    expect(noColor.out()).not.toContain('\u001b[');
  });
});
