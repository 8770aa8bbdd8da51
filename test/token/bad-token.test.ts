// Issue [1] item 4: a token with a line break, or any character that cannot go into an HTTP header,
// is refused where it comes in — action input, --token, --token-env, --token-command output, a token
// endpoint's answer — with a message that shows its length and the bad character's place, never the
// token. Run as users run it: the CLI binary and the committed action bundle.
import { errorLines, runAction, withoutMaskCommands } from '../action/harness';
import { withActionDefaults } from '../support/action-defaults';
import { runBin } from '../support/cli-bin';
import { leaksByPlace, type NamedSecret } from '../support/secret-runs';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { localExchangeFlags, startFakeTokenEndpoint, type FakeTokenEndpoint } from './helpers/fake-token-endpoint';

let issuer: TestIssuer;
let api: TestApi;
let token: string;
/** The token wrapped at 64 characters, as a secret pasted from a PEM-style dump arrives. */
let wrapped: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  api = await startTestApi({ issuer, echoAuthorization: true });
  closers.push(api.close);
  token = await issuer.sign({ note: 'CANARY-NEWLINE-TOKEN' });
  wrapped = token.match(/.{1,64}/g)!.join('\n');
}, 60_000);
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

/** The token, and the token as a Markdown summary or a log would show it with its line breaks turned into spaces. */
function secrets(): NamedSecret[] {
  return [
    { label: 'token', value: token },
    { label: 'token, line breaks as spaces', value: wrapped.replace(/\n/g, ' ') },
    ...wrapped.split('\n').map((line, i) => ({ label: `token line ${i + 1}`, value: line })),
  ];
}

describe('the CLI refuses a token it cannot send, exit 2, without showing it', () => {
  const cases: [string, () => { args: string[]; env?: Record<string, string> }, RegExp][] = [
    [
      '--token with line breaks',
      () => ({ args: ['--token', wrapped] }),
      /^error: --token: got "\(hidden: \d+ characters, a line break at character 65\)"; expected one access token on one line, visible ASCII only; check where the token is read/,
    ],
    [
      '--token-env with line breaks',
      () => ({ args: ['--token-env', 'GATE_TOKEN'], env: { GATE_TOKEN: wrapped } }),
      /^error: --token-env GATE_TOKEN: got "\(hidden: \d+ characters, a line break at character 65\)"/,
    ],
    [
      '--token-command printing line breaks',
      () => ({ args: ['--token-command', 'printf "%s" "$GATE_TOKEN"'], env: { GATE_TOKEN: wrapped } }),
      /^error: token command "printf" output: got "\(hidden: \d+ characters, a line break at character 65\)"/,
    ],
    [
      '--token with a Bearer prefix',
      () => ({ args: ['--token', `Bearer ${token}`] }),
      /^error: --token: got "\(hidden: \d+ characters, a space at character 7\)"; .*without the "Bearer " prefix/,
    ],
    [
      '--token with a control character',
      () => ({ args: ['--token', `${token.slice(0, 40)}\u0007${token.slice(40)}`] }),
      /^error: --token: got "\(hidden: \d+ characters, a control character \(U\+0007\) at character 41\)"/,
    ],
    [
      '--token with a non-ASCII character',
      () => ({ args: ['--token', `${token.slice(0, 40)}é${token.slice(40)}`] }),
      /^error: --token: got "\(hidden: \d+ characters, a non-ASCII character \(U\+00E9\) at character 41\)"/,
    ],
  ];

  test.each(cases)('%s', async (_name, make, line) => {
    const { args, env } = make();
    const before = api.requests.length;
    const run = await runBin(['verify', '--api-url', api.url, '--timeout-seconds', '2', ...args], { env: { ...env, GITHUB_ACTIONS: 'true' } });
    expect(run.code).toBe(2);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error'));
    expect(errors).toEqual([expect.stringMatching(line)]);
    expect(errors[0]).toContain('(see entra-api-guard verify --help)');
    // ::add-mask:: lines are consumed by the runner: how a token gets masked, never shown.
    expect(leaksByPlace({ stdout: withoutMaskCommands(run.stdout), stderr: withoutMaskCommands(run.stderr) }, secrets())).toEqual({});
    expect(api.requests.length).toBe(before); // refused before anything was sent
  });

  test('a token endpoint answering an access_token with a line break: exit 1, one line, none of it shown', async () => {
    const entra: FakeTokenEndpoint = await startFakeTokenEndpoint([{ token: wrapped }]);
    closers.push(entra.close);
    const run = await runBin(['verify', '--api-url', api.url, ...localExchangeFlags(entra.url), '--client-secret-env', 'SECRET', '--timeout-seconds', '2'], {
      env: { SECRET: 'CANARY-CLIENT-SECRET' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([
      expect.stringMatching(
        /^error: token exchange with \S+ failed: HTTP 200 answer has an access_token that cannot be sent in a header \(\d+ characters, a line break at character 65\).*\[ERR_TOKEN_EXCHANGE_FAILED\]$/,
      ),
    ]);
    expect(leaksByPlace({ stdout: run.stdout, stderr: run.stderr }, secrets())).toEqual({});
  });
});

describe('the action refuses such a token input with one ::error:: line', () => {
  test('a token input with line breaks: exit 1, nothing sent, each line masked, none of it in log, outputs or summary', async () => {
    const before = api.requests.length;
    const run = await runAction(withActionDefaults({ command: 'verify', 'api-url': api.url, paths: '/orders', token: wrapped, 'timeout-seconds': '2' }));
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toEqual([
      expect.stringMatching(/^token: got "\(hidden: \d+ characters, a line break at character 65\)"; expected one access token on one line/),
    ]);
    expect(api.requests.length).toBe(before);
    // GitHub masks line by line: every line of the token was handed to add-mask before anything else.
    const masks = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('::add-mask::'))
      .map((l) => l.slice('::add-mask::'.length));
    for (const line of wrapped.split('\n')) expect(masks).toContain(line);
    expect(run.stdout.split('\n')[0]).toMatch(/^::add-mask::/);
    const places = {
      stdout: withoutMaskCommands(run.stdout),
      stderr: run.stderr,
      outputs: JSON.stringify(run.outputs),
      summary: run.summary,
      env: run.envFile,
    };
    expect(leaksByPlace(places, secrets())).toEqual({});
    // Every outcome leaves a summary (issue [5] item 4): here the one error line, with the token hidden.
    expect(run.summary).toMatch(
      /^### entra-api-guard: ❌ failed\n\ntoken: got "\\\(hidden: \d+ characters, a line break at character 65\\\)"; expected one access token on one line/,
    );
  }, 30_000);
});
