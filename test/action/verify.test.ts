import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type Flaw, type TestApi } from '../gate/helpers/test-api';
import { ORDERS_API } from '../local/idp/helpers';
import { startFederatedPath, type FederatedPath } from './federated-path';
import { errorLines, runAction, withoutMaskCommands, type ActionRun } from './harness';
import { node24Binary } from './node24';

const found = node24Binary();
if ('skip' in found) console.warn(`SKIPPING the Node 24 run: ${found.skip}`);
const node24 = 'path' in found ? found.path : undefined;

/** The whole federated path on loopback: GitHub OIDC → Entra exchange → gateway JWT authorizer. */
describe('action bundle: verify', () => {
  let path: FederatedPath;
  let issuer: TestIssuer;
  const apis: TestApi[] = [];

  beforeAll(async () => {
    path = await startFederatedPath();
    issuer = await createTestIssuer();
  });

  afterAll(async () => {
    await Promise.all([path?.close(), ...apis.map((a) => a.close())]);
  });

  const oidcEnv = () => path.oidcEnv();
  const verifyInputs = () => path.verifyInputs();

  test('passes against the gateway emulator: 401 without a token, 200 with the exchanged token, forgeries refused', async () => {
    const run = await runAction(verifyInputs(), { env: oidcEnv() });
    expect(errorLines(run.stdout)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'api-url': path.gateway.url, 'unauthenticated-status': '401', 'authenticated-status': '200' });
    const report = JSON.parse(run.outputs['report']!) as { pass: boolean; probes: { request: { auth: string } }[] };
    expect(report.pass).toBe(true);
    expect(report.probes.map((p) => p.request.auth)).toEqual(expect.arrayContaining(['none', 'valid-token', 'alg-none', 'forged-signature-new-kid']));
    expect(run.summary).toContain('| Probe | Request | Auth | Expected | Actual | Attempts | Time |');
    expect(run.summary).toContain('passed');
    // Both the GitHub token and the Entra access token were masked before anything else.
    expect(run.stdout.match(/^::add-mask::/gm)?.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  test('old input names (client-id, audience) still pass, each with one warning naming its new name', async () => {
    const { 'caller-client-id': clientId, ...rest } = verifyInputs();
    const run = await runAction({ ...rest, 'client-id': clientId!, audience: 'api://AzureADTokenExchange' }, { env: oidcEnv() });
    expect(errorLines(run.stdout)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['verdict']).toBe('pass');
    expect(run.stdout).toContain('::warning::client-id is deprecated: use caller-client-id (same values)\n');
    expect(run.stdout).toContain('::warning::audience is deprecated: use oidc-audience (same values)\n');
  }, 60_000);

  (node24 ? test : test.skip)(
    'the same passing verify under Node 24 (the node@24 npm package), as GitHub runs node24 actions',
    async () => {
      const run = await runAction(verifyInputs(), { env: oidcEnv(), node: [node24!] });
      expect(errorLines(run.stdout)).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.outputs).toMatchObject({ verdict: 'pass', 'unauthenticated-status': '401', 'authenticated-status': '200' });
      expect(run.stdout).not.toMatch(/DeprecationWarning|ExperimentalWarning/);
      expect(run.stderr).not.toMatch(/DeprecationWarning|ExperimentalWarning/);
    },
    150_000,
  );

  test('without id-token: write (no ACTIONS_ID_TOKEN_REQUEST_*), one clear error naming the permission', async () => {
    const run = await runAction(verifyInputs());
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/could not get a GitHub OIDC token .*permissions: id-token: write/);
    expect(errors[0]).not.toContain('\n');
  }, 30_000);

  test('a federated credential that does not match fails with the AADSTS fix', async () => {
    const run = await runAction({ ...verifyInputs(), 'caller-client-id': ORDERS_API.clientId }, { env: oidcEnv() });
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^token exchange failed \(AADSTS\d+\)/);
  }, 30_000);

  const flaws: [Flaw, RegExp][] = [
    ['open', /ERR_GATE_OPEN_API/],
    ['ignores-signature', /ERR_GATE_ACCEPTS_FORGED/],
    ['trusts-unknown-kid', /ERR_GATE_ACCEPTS_FORGED/],
    ['accepts-alg-none', /ERR_GATE_ACCEPTS_FORGED/],
    ['always-401', /ERR_GATE_UNAUTHORIZED/],
  ];

  // The failing gates below poll until their deadline (timeout-seconds) rather than compute: they run
  // side by side (test.concurrent).
  test.concurrent(
    'fails for each class of bad API, with an annotation carrying the fix; the given token never leaks',
    async () => {
      const token = await issuer.sign();
      const runs = await Promise.all(
        flaws.map(async ([flaw]) => {
          const api = await startTestApi({ issuer, flaw });
          apis.push(api);
          return runAction({ command: 'verify', 'api-url': api.url, paths: '/orders', token, 'timeout-seconds': '2' });
        }),
      );
      runs.forEach((run: ActionRun, index) => {
        const [flaw, code] = flaws[index]!;
        expect({ flaw, code: run.code }).toEqual({ flaw, code: 1 });
        expect({ flaw, verdict: run.outputs['verdict'] }).toEqual({ flaw, verdict: 'fail' });
        const errors = errorLines(run.stdout);
        expect(errors.some((e) => / Fix: /.test(e))).toBe(true);
        expect(run.stdout).toMatch(code);
        expect(run.summary).toContain('failed');
        expectNoLeak(run, token);
      });
    },
    60_000,
  );

  test('a canary token never reaches stdout, stderr, GITHUB_OUTPUT, GITHUB_ENV or the summary', async () => {
    const api = await startTestApi({ issuer, echoAuthorization: true });
    apis.push(api);
    const canary = await issuer.sign({ canary: 'CANARY-7f3a' });
    const run = await runAction({ command: 'verify', 'api-url': api.url, paths: '/orders', token: canary, 'timeout-seconds': '10' });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`::add-mask::${canary}`);
    expectNoLeak(run, canary);
  }, 30_000);

  test.concurrent(
    "polling a host that does not resolve: one log line per change of a probe's answer, not one per attempt",
    async () => {
      const token = await issuer.sign();
      const run = await runAction({ command: 'verify', 'api-url': 'https://api.example.invalid', paths: '/orders', token, 'timeout-seconds': '8' });
      expect(run.code).toBe(1);
      const report = JSON.parse(run.outputs['report']!) as {
        probes: { name: string; attempts: number; lastAnswers: { status: number | null; error?: string }[] }[];
      };
      const probeLines = run.stdout.split('\n').filter((l) => l.startsWith('probe '));
      // No answer is one state, whether the resolver says ENOTFOUND at once or hangs (it differs by
      // machine): every probe logs exactly once, when it first failed, however often it was polled.
      expect(probeLines).toHaveLength(report.probes.length);
      expect(report.probes.reduce((sum, p) => sum + p.attempts, 0)).toBeGreaterThan(probeLines.length);
    },
    30_000,
  );

  test.concurrent(
    "fix texts name the action's inputs (api-url, paths, timeout-seconds), never CLI flags",
    async () => {
      const token = await issuer.sign();
      const api = await startTestApi({ issuer, routes: ['/orders'] });
      apis.push(api);
      const [unreachable, notFound] = await Promise.all([
        runAction({ command: 'verify', 'api-url': 'https://api.example.invalid', token, 'timeout-seconds': '2', 'negative-probes': 'false' }),
        runAction({ command: 'verify', 'api-url': api.url, paths: '/missing', token, 'timeout-seconds': '2', 'negative-probes': 'false' }),
      ]);
      const fixes = [...errorLines(unreachable.stdout), ...errorLines(notFound.stdout)].filter((e) => / Fix: /.test(e));
      expect(fixes.join('\n')).toContain('check that api-url is reachable from here and the stage is deployed, or allow more time (timeout-seconds)');
      expect(fixes.join('\n')).toContain("check paths, method and the API's route keys");
      expect(fixes.join('\n')).not.toMatch(/--[a-z]/);
      expect(unreachable.summary + notFound.summary + JSON.stringify([unreachable.outputs, notFound.outputs])).not.toMatch(
        /--(api-url|path|method|timeout-seconds|expect-)/,
      );
    },
    30_000,
  );

  test.concurrent(
    'allow-insecure-http: a plain-http API on another host is probed, with a warning naming the input',
    async () => {
      const token = await issuer.sign();
      const run = await runAction({
        command: 'verify',
        'api-url': 'http://api.example.invalid',
        'allow-insecure-http': 'true',
        token,
        'timeout-seconds': '1',
        'negative-probes': 'false',
      });
      expect(run.stdout).toMatch(
        /^::warning::allow-insecure-http: the token goes to http:\/\/api\.example\.invalid over plain http, where anyone on the path can read and replay it$/m,
      );
      expect(run.outputs['verdict']).toBe('fail');
      expect(errorLines(run.stdout)[0]).toMatch(/ERR_GATE_TIMEOUT|no answer/);
    },
    30_000,
  );

  function expectNoLeak(run: ActionRun, secret: string): void {
    const signature = secret.split('.')[2]!;
    for (const [where, text] of Object.entries({
      stdout: withoutMaskCommands(run.stdout),
      stderr: run.stderr,
      output: JSON.stringify(run.outputs),
      env: run.envFile,
      summary: run.summary,
    })) {
      expect({ where, leaked: text.includes(secret) || text.includes(signature) }).toEqual({ where, leaked: false });
    }
  }
});
