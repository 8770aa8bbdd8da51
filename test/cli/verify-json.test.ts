// Issue [1] item 3: `verify --json` under GitHub Actions. stdout must be exactly one JSON document —
// no `::debug::` or `::add-mask::<JWT>` lines — while every token is still masked (on stderr, which the
// runner reads workflow commands from as well). `--report FILE` writes the same document, 0600, whole
// or not at all. Run as the binary, with a real OIDC exchange against the loopback emulators.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEntra, type EntraEmulator } from '../../src/local/entra';
import { startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { runBin, type BinRun } from '../support/cli-bin';
import { leaksByPlace, type NamedSecret } from '../support/secret-runs';
import { ORDERS_API, TENANT, directoryFor, entraExchangeFlags } from '../local/idp/helpers';

let github: GithubOidcEmulator;
let entra: EntraEmulator;
let gateway: GatewayEmulator;
let dir: string;

beforeAll(async () => {
  github = await startGithubOidc();
  entra = await startEntra({ directory: directoryFor(github.issuer) });
  gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: entra.issuers(TENANT).v2, audiences: [ORDERS_API.clientId] }],
      routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }],
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'verify-json-'));
}, 60_000);
afterAll(async () => {
  await Promise.all([github?.close(), entra?.close(), gateway?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A workflow step's environment: on a runner, with the OIDC request variables of `id-token: write`. */
const runnerEnv = (): Record<string, string> => ({
  GITHUB_ACTIONS: 'true',
  ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
});
const exchangeArgs = (clientId?: string): string[] => entraExchangeFlags(entra.url, clientId);

/** Every value the run masked (the tokens it held), read from its `::add-mask::` lines. */
function masked(run: BinRun): string[] {
  return [...`${run.stdout}\n${run.stderr}`.matchAll(/^::add-mask::(.*)$/gm)].map((m) =>
    m[1]!.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'),
  );
}

function expectOneJsonDocument(stdout: string): unknown {
  expect(stdout.split('\n').filter((l) => /^\s*(::|##\[)/.test(l))).toEqual([]);
  return JSON.parse(stdout); // throws on anything but exactly one document
}

describe('verify --json under GITHUB_ACTIONS=true', () => {
  test('a real exchange: stdout is one JSON report, both tokens masked on stderr (each segment too), none on stdout', async () => {
    const run = await runBin(['verify', '--api-url', gateway.url, '--path', '/orders', ...exchangeArgs(), '--json', '--timeout-seconds', '10'], {
      env: runnerEnv(),
    });
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const report = expectOneJsonDocument(run.stdout) as { pass: boolean; probes: unknown[] };
    expect(report.pass).toBe(true);
    expect(report.probes.length).toBeGreaterThan(5);
    // The GitHub token and the Entra access token, each whole and by header, payload and signature.
    const tokens = masked(run).filter((m) => m.split('.').length === 3);
    expect(tokens).toHaveLength(2);
    for (const t of tokens) expect(masked(run)).toEqual(expect.arrayContaining(t.split('.')));
    const secrets: NamedSecret[] = tokens.map((value, i) => ({ label: `masked token ${i + 1}`, value }));
    expect(leaksByPlace({ stdout: run.stdout, 'stderr without its mask lines': run.stderr.replace(/^::add-mask::.*$/gm, '') }, secrets)).toEqual({});
  }, 30_000);

  test.each([
    ['a usage error', () => ['verify', '--api-url', 'not-a-url', '--json'], 2, 'ERR_INVALID_INPUT'],
    [
      'a refused exchange',
      () => ['verify', '--api-url', gateway.url, '--path', '/orders', ...exchangeArgs(ORDERS_API.clientId), '--json', '--timeout-seconds', '5'],
      1,
      'ERR_TOKEN_EXCHANGE_FAILED',
    ],
    [
      'a token with a line break',
      () => ['verify', '--api-url', gateway.url, '--token', 'eyJhbGciOiJSUzI1NiJ9\n.eyJzdWIiOiJ4In0.c2ln', '--json', '--timeout-seconds', '2'],
      2,
      'ERR_INVALID_INPUT',
    ],
  ] as const)(
    '%s: still one JSON document on stdout, with its exit code',
    async (_name, argv, exit, code) => {
      const run = await runBin(argv(), { env: runnerEnv() });
      expect(run.code).toBe(exit);
      expect(expectOneJsonDocument(run.stdout)).toEqual({ pass: false, error: { code, message: expect.any(String) } });
      expect(run.stdout).not.toContain('eyJzdWIiOiJ4In0');
    },
    30_000,
  );

  test('a failing gate: one JSON report with pass false, exit 1', async () => {
    const run = await runBin(
      ['verify', '--api-url', gateway.url, '--path', '/orders', '--expect-unauthenticated', '403', '--no-negative-probes', '--json', '--timeout-seconds', '2'],
      { env: runnerEnv() },
    );
    expect(run.code).toBe(1);
    expect(expectOneJsonDocument(run.stdout)).toMatchObject({ pass: false, failures: [expect.objectContaining({ code: 'ERR_GATE_UNEXPECTED_STATUS' })] });
  }, 30_000);
});

describe('verify --report FILE', () => {
  test('writes the JSON report, private (0600), the same document --json prints, replacing an old file whole', async () => {
    const file = join(dir, 'gate-report.json');
    writeFileSync(file, 'an older, longer report that must not survive in part '.repeat(200), { mode: 0o644 });
    const run = await runBin(
      ['verify', '--api-url', gateway.url, '--path', '/orders', ...exchangeArgs(), '--json', '--report', file, '--timeout-seconds', '10'],
      { env: runnerEnv() },
    );
    expect(run.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(run.stdout);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['gate-report.json']); // no temp file left behind
  }, 30_000);

  test('without --json: the text goes to stdout, the report to the file; a failure writes the error document', async () => {
    const file = join(dir, 'failed.json');
    const run = await runBin(
      ['verify', '--api-url', gateway.url, '--path', '/orders', ...exchangeArgs(ORDERS_API.clientId), '--report', file, '--timeout-seconds', '5'],
      { env: runnerEnv() },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      pass: false,
      error: { code: 'ERR_TOKEN_EXCHANGE_FAILED', message: expect.stringMatching(/^token exchange failed \(AADSTS/) },
    });
  }, 30_000);

  test.each([
    [
      'a folder that does not exist',
      () => join(dir, 'missing', 'report.json'),
      /^error: --report: got ".*missing\/report\.json"; expected a file in an existing folder/,
    ],
    ['a folder instead of a file', () => dir, /^error: --report: got ".*"; expected a file path, not a folder/],
  ])('%s: exit 2 before anything is sent, nothing written', async (_name, path, line) => {
    const before = readdirSync(dir).sort();
    const requests = gateway.accessLog.length;
    const run = await runBin(['verify', '--api-url', gateway.url, '--path', '/orders', '--report', path(), '--timeout-seconds', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(gateway.accessLog.length).toBe(requests);
  });
});
