// Issue [1] item 5: an API that echoes the Authorization header in halves (header.payload in Location,
// the signature in www-authenticate) must not get any 16-character run of any probe credential — the
// real token or a forgery carrying half of it — into anything the CLI or the action prints or writes.
import { runAction, withoutMaskCommands } from '../action/harness';
import { withActionDefaults } from '../support/action-defaults';
import { runBin } from '../support/cli-bin';
import { credentialsSeen, leaksByPlace, type NamedSecret } from '../support/secret-runs';
import { createTestIssuer, type TestIssuer } from './helpers/issuer';
import { startTestApi, type TestApi } from './helpers/test-api';

let issuer: TestIssuer;
let token: string;
const apis: TestApi[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  token = await issuer.sign({ note: 'CANARY-ECHOED-HALVES' });
}, 60_000);
afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
});

async function echoingApi(flaw: 'none' | 'always-401'): Promise<TestApi> {
  const api = await startTestApi({ issuer, flaw, echoAuthorization: true });
  apis.push(api);
  return api;
}

/** The real token, its halves, and every credential the API received (the forgeries among them). */
function secretsOf(api: TestApi): NamedSecret[] {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return [
    { label: 'token', value: token },
    { label: 'token header.payload', value: `${header}.${payload}` },
    { label: 'token signature', value: signature },
    ...credentialsSeen(api.requests),
  ];
}

describe('a token echoed back in halves', () => {
  test('the API really echoes it (so a clean output means something)', async () => {
    const api = await echoingApi('always-401');
    const res = await fetch(`${api.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get('location')).toContain(token.split('.').slice(0, 2).join('.'));
    expect(res.headers.get('www-authenticate')).toContain(token.split('.')[2]);
    expect(res.headers.get('location')).not.toContain(token);
  });

  test.each([
    ['refusing API, text output', 'always-401', [] as string[], 1],
    ['refusing API, --json', 'always-401', ['--json'], 1],
    ['passing API, --json', 'none', ['--json'], 0],
  ] as const)(
    'CLI verify (%s): no run of any credential on stdout or stderr',
    async (_name, flaw, extra, exit) => {
      const api = await echoingApi(flaw);
      const run = await runBin(
        ['verify', '--api-url', api.url, '--path', '/orders', '--token-env', 'GATE_TOKEN', '--verbose', '--timeout-seconds', '3', ...extra],
        { env: { GATE_TOKEN: token } },
      );
      expect(run.code).toBe(exit);
      expect(api.requests.length).toBeGreaterThan(8);
      expect(leaksByPlace({ stdout: run.stdout, stderr: run.stderr }, secretsOf(api))).toEqual({});
      if (flaw === 'always-401') {
        // Redacted in place, not dropped: the refusal is still explained.
        expect(run.stdout + run.stderr).toMatch(/gateway said \\?"signature \[redacted\] is not valid/);
      }
      if (extra.includes('--json')) {
        const report = JSON.parse(run.stdout) as { probes: { lastAnswers: { location?: string }[] }[] };
        expect(report.probes.flatMap((p) => p.lastAnswers.map((a) => a.location)).filter((l) => l !== undefined)).toContain(
          'https://echo.invalid/seen?token=[redacted]',
        );
      }
    },
    30_000,
  );

  test('the action bundle: no run of any credential in the log, outputs, summary or env file', async () => {
    const api = await echoingApi('always-401');
    const run = await runAction(withActionDefaults({ command: 'verify', 'api-url': api.url, paths: '/orders', token, 'timeout-seconds': '3' }));
    expect(run.code).toBe(1);
    expect(run.outputs['verdict']).toBe('fail');
    const places = {
      stdout: withoutMaskCommands(run.stdout),
      stderr: run.stderr,
      outputs: JSON.stringify(run.outputs),
      summary: run.summary,
      env: run.envFile,
    };
    expect(leaksByPlace(places, secretsOf(api))).toEqual({});
    expect(run.outputs['report']).toContain('https://echo.invalid/seen?token=[redacted]');
  }, 30_000);
});
