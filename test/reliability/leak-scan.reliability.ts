import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CliIo } from '../../src/cli/io';
import { startEntra, type EntraEmulator } from '../../src/local/entra';
import { startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { rehearse } from '../../src/local/rehearsal';
import { synthesizeProject } from '../../stacks/synth';
import { runAction, withoutMaskCommands, type ActionRun } from '../action/harness';
import { withActionDefaults } from '../support/action-defaults';
import { runBin } from '../support/cli-bin';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { CALLER, CALLER_SECRET, LEGACY_API, ORDERS_API, TENANT, directoryFor, entraExchangeFlags } from '../local/idp/helpers';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy';
import { recordFigure } from './support/figures';
import { idTokenFrom, runCli, type CliRun } from './support/runs';
import { startJwksIssuer, type JwksIssuer } from './support/jwks-issuer';
import { LeakScanner, recordingFetch, tokensInAnswer, type Leak, type Secret } from './support/leak-scan';

/**
 * The leak scan: every flow that handles a token — CLI verify with each token source (pass and fail),
 * the rehearsal (CLI `local` and rehearse()), the action bundle (OIDC exchange, given token, failing
 * API), and issue [1]'s items 3–5 (a token with line breaks, an API echoing the token in halves, the CLI
 * binary's `verify --json` on a runner with a real exchange) — runs with a known canary and with the
 * real tokens the emulators hand out, captured on the way (a recording fetch in-process, recording
 * proxies for child processes). Then everything the flows wrote is scanned for each secret, whole and
 * by every segment of 16+ characters: captured stdout/stderr, reports, GITHUB_OUTPUT/ENV/STEP_SUMMARY,
 * the gateway's access log, and every file in every temp folder that appeared while they ran.
 */

const ROOT = join(__dirname, '../..');
const AUDIENCE = 'c0ffee00-1234-4abc-8def-0123456789ab';
const CANARY_ENV = 'RELIABILITY_CANARY';
const SECRET_ENV = 'RELIABILITY_CLIENT_SECRET';

const scanner = new LeakScanner();
const add = (secret: Secret): void => scanner.add(secret);
/** Everything a flow printed or returned, by where it went. */
const written: { where: string; text: string }[] = [];
const flows: string[] = [];

let suiteDir: string;
let tmpBefore: Set<string>;
let issuer: JwksIssuer;
let canary: string;
let github: GithubOidcEmulator;
let entra: EntraEmulator;
let entraGateway: GatewayEmulator;
let canaryGateway: GatewayEmulator;
let echoApi: TestApi;
let refusingApi: TestApi;
let githubProxy: FaultProxy;
let entraProxy: FaultProxy;

beforeAll(async () => {
  tmpBefore = new Set(readdirSync(tmpdir()));
  suiteDir = mkdtempSync(join(tmpdir(), 'reliability-leak-'));
  issuer = await startJwksIssuer(AUDIENCE);
  canary = await issuer.tokens.sign({ jti: 'reliability-leak-canary' });
  add({ label: 'canary token', value: canary });
  add({ label: 'Entra client secret', value: CALLER_SECRET });
  github = await startGithubOidc();
  add({ label: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', value: github.requestToken });
  entra = await startEntra({ directory: directoryFor(github.issuer) });
  entraGateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: entra.issuers(TENANT).v2, audiences: [ORDERS_API.clientId] }],
      routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }],
    },
  });
  canaryGateway = await startGateway({
    definition: {
      authorizers: [{ id: 'jwt', issuer: issuer.url, audiences: [AUDIENCE] }],
      routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'jwt' }],
    },
  });
  echoApi = await startTestApi({ issuer: issuer.tokens, echoAuthorization: true });
  refusingApi = await startTestApi({ issuer: issuer.tokens, flaw: 'always-401', echoAuthorization: true });
  const harvest = (_request: unknown, _status: number, body: string): void => tokensInAnswer(body).forEach(add);
  githubProxy = await startFaultProxy({ upstream: github.url, onAnswer: harvest });
  entraProxy = await startFaultProxy({ upstream: entra.url, onAnswer: harvest });
}, 60_000);

afterAll(async () => {
  await Promise.all([issuer, github, entra, entraGateway, canaryGateway, echoApi, refusingApi, githubProxy, entraProxy].map((s) => s?.close()));
  if (suiteDir) rmSync(suiteDir, { recursive: true, force: true });
});

/** Runs the CLI in-process, keeping what it printed (and writing it to the suite folder, like a CI log). */
async function cli(name: string, argv: readonly string[], env: Record<string, string | undefined> = {}, io: Partial<CliIo> = {}): Promise<CliRun> {
  const { code, stdout, stderr } = await runCli(argv, env, io);
  keep(`cli ${name} stdout`, stdout);
  keep(`cli ${name} stderr`, stderr);
  flows.push(`cli ${name} (exit ${code})`);
  return { code, stdout, stderr };
}

/** Runs the CLI binary as a workflow step would (its own process, env only), keeping what it printed. */
async function bin(name: string, argv: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const run = await runBin(argv, { env, timeoutMs: 60_000 });
  // On a runner the ::add-mask:: lines (stderr) are consumed, never shown: how a token gets masked.
  keep(`bin ${name} stdout`, withoutMaskCommands(run.stdout));
  keep(`bin ${name} stderr`, withoutMaskCommands(run.stderr));
  flows.push(`bin ${name} (exit ${run.code})`);
  return { code: run.code ?? -1, stdout: run.stdout, stderr: run.stderr };
}

function keep(where: string, text: string): void {
  written.push({ where, text });
  writeFileSync(join(suiteDir, `${where.replace(/[^\w-]+/g, '_')}.log`), text);
}

function keepAction(name: string, run: ActionRun): void {
  // ::add-mask:: lines are consumed by the runner and never reach the log: they are how a token gets masked.
  keep(`action ${name} stdout`, withoutMaskCommands(run.stdout));
  keep(`action ${name} stderr`, run.stderr);
  keep(`action ${name} outputs`, JSON.stringify(run.outputs));
  keep(`action ${name} summary`, run.summary);
  keep(`action ${name} env`, run.envFile);
  // The files the action writes itself (report, SARIF), when the gate ran.
  for (const output of ['report-file', 'sarif-file']) if (run.outputs[output]) keep(`action ${name} ${output}`, readFileSync(run.outputs[output]!, 'utf8'));
  flows.push(`action ${name} (exit ${run.code})`);
}

/** The runner's ID-token request, recording each token it hands out. */
const getIDToken = (audience?: string): Promise<string> => idTokenFrom(github, (value) => add({ label: 'GitHub OIDC token', value }))(audience);

const entraArgs = (clientId?: string): string[] => entraExchangeFlags(entra.url, clientId);

describe('leak scan', () => {
  test('the scanner finds a planted token, whole or by any segment of it (so a clean scan means something)', () => {
    const planted = mkdtempSync(join(tmpdir(), 'reliability-plant-'));
    try {
      const probe = new LeakScanner();
      probe.add({ label: 'planted', value: canary });
      writeFileSync(join(planted, 'report.json'), JSON.stringify({ note: `x${canary}x` }));
      writeFileSync(join(planted, 'binary.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(canary.split('.')[2]!), Buffer.from([0])]));
      // Half a token, as an API echoing the forged-known-kid probe (real header.payload) gives it back.
      writeFileSync(join(planted, 'half.log'), `Location: https://x/?t=${canary.split('.').slice(0, 2).join('.')}`);
      const found = probe.scanTree(planted).map((l) => `${l.where.replace(planted, '')} ${l.part}`);
      expect([...new Set(found)].sort()).toEqual(['/binary.bin segment', '/half.log segment', '/report.json segment', '/report.json whole']);
      expect(probe.scanText('log', `Bearer ${canary}`).map((l) => l.part)).toEqual(['whole', 'segment', 'segment', 'segment']);
      expect(probe.scanText('log', 'nothing here')).toEqual([]);
    } finally {
      rmSync(planted, { recursive: true, force: true });
    }
  });

  test('CLI verify with each token source, passing and failing: exit codes as expected', async () => {
    const recording = recordingFetch(fetch, add);
    const canaryEnv = { [CANARY_ENV]: canary };
    const results = [
      await cli('verify --token (pass)', [
        'verify',
        '--api-url',
        canaryGateway.url,
        '--path',
        '/orders',
        '--token',
        canary,
        '--json',
        '--verbose',
        '--timeout-seconds',
        '10',
      ]),
      await cli(
        'verify --token-env (echoing API)',
        ['verify', '--api-url', echoApi.url, '--path', '/orders', '--token-env', CANARY_ENV, '--verbose', '--timeout-seconds', '10'],
        canaryEnv,
      ),
      await cli(
        'verify --token-command (refusing API)',
        ['verify', '--api-url', refusingApi.url, '--path', '/orders', '--token-command', `printf %s "$${CANARY_ENV}"`, '--verbose', '--timeout-seconds', '2'],
        canaryEnv,
      ),
      await cli(
        'verify github-oidc exchange',
        [
          'verify',
          '--api-url',
          entraGateway.url,
          '--path',
          '/orders',
          ...entraArgs(),
          '--other-audience-scope',
          `${LEGACY_API.uri}/.default`,
          '--json',
          '--verbose',
          '--timeout-seconds',
          '10',
        ],
        {},
        { getIDToken, fetch: recording },
      ),
      await cli(
        'verify client secret',
        [
          'verify',
          '--api-url',
          entraGateway.url,
          '--path',
          '/orders',
          ...entraArgs(),
          '--client-secret-env',
          SECRET_ENV,
          '--verbose',
          '--timeout-seconds',
          '10',
        ],
        { [SECRET_ENV]: CALLER_SECRET },
        { fetch: recording },
      ),
      await cli(
        'verify failing exchange',
        ['verify', '--api-url', entraGateway.url, '--path', '/orders', ...entraArgs(ORDERS_API.clientId), '--verbose', '--timeout-seconds', '5'],
        {},
        { getIDToken, fetch: recording },
      ),
    ];
    expect(results.map((r) => r.code)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(results[5]!.stderr).toMatch(/^error: token exchange failed \(AADSTS/m);
  }, 60_000);

  test('the rehearsal: CLI `local` and rehearse(), with the global fetch recording every token', async () => {
    const original = globalThis.fetch;
    globalThis.fetch = recordingFetch(original, add);
    try {
      const viaCli = await cli('local --engine emulate', ['local', '--engine', 'emulate', '--dir', ROOT, '--json', '--timeout-seconds', '10']);
      expect(viaCli.code).toBe(0);
      let workDir = '';
      const log: string[] = [];
      const rehearsal = await rehearse({
        synth: (overrides, outdir) => {
          workDir = dirname(outdir);
          return synthesizeProject(ROOT, overrides, outdir);
        },
        engine: 'emulate',
        env: {},
        log: (line) => log.push(line),
        timeoutSeconds: 10,
      });
      try {
        expect(rehearsal.report.pass).toBe(true);
        add({ label: 'rehearsal ACTIONS_ID_TOKEN_REQUEST_TOKEN', value: rehearsal.secrets.requestToken });
        keep('rehearsal log', log.join('\n'));
        keep('rehearsal report', JSON.stringify(rehearsal.report, null, 2));
        keep('rehearsal markdown', rehearsal.markdown);
        // Its work folder (synthesized stacks, state) is removed on close: scan it while it exists.
        expect(workDir).not.toBe('');
        const leaks = scanner.scanTree(workDir);
        expect(leaks).toEqual([]);
        flows.push('rehearse() (emulate)');
      } finally {
        await rehearsal.close();
      }
    } finally {
      globalThis.fetch = original;
    }
  }, 90_000);

  test('the action bundle: OIDC exchange through recording proxies, a given canary, a failing API', async () => {
    const requestUrl = github.requestUrl.replace(github.url, githubProxy.url);
    const [exchange, given, failing] = await Promise.all([
      runAction(
        {
          command: 'verify',
          'api-url': entraGateway.url,
          paths: '/orders',
          'caller-client-id': CALLER.clientId,
          'tenant-id': TENANT,
          scope: `${ORDERS_API.uri}/.default`,
          cloud: 'local',
          'authority-host': entraProxy.url,
          'timeout-seconds': '20',
        },
        { env: { ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken, RUNNER_DEBUG: '1' } },
      ),
      runAction({ command: 'verify', 'api-url': echoApi.url, paths: '/orders', token: canary, 'timeout-seconds': '10' }, { env: { RUNNER_DEBUG: '1' } }),
      runAction({ command: 'verify', 'api-url': refusingApi.url, paths: '/orders', token: canary, 'timeout-seconds': '2' }, { env: { RUNNER_DEBUG: '1' } }),
    ]);
    keepAction('verify oidc', exchange);
    keepAction('verify given token', given);
    keepAction('verify failing api', failing);
    expect([exchange.code, given.code, failing.code]).toEqual([0, 0, 1]);
    // The bundle announced a mask for each token it held before printing anything else.
    expect(exchange.stdout.match(/^::add-mask::/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(given.stdout.split('\n')[0]).toBe(`::add-mask::${canary}`);
  }, 90_000);

  test('a token with line breaks (issue [1] item 4): refused by the CLI and the action, none of it printed', async () => {
    const wrapped = canary.match(/.{1,64}/g)!.join('\n');
    // Each line is looked for on its own: GitHub masks line by line, and a summary turns breaks into spaces.
    for (const line of wrapped.split('\n')) if (line.length >= 16) add({ label: 'line of a wrapped token', value: line });
    const env = { [CANARY_ENV]: wrapped, GITHUB_ACTIONS: 'true' };
    const target = ['verify', '--api-url', echoApi.url, '--path', '/orders', '--timeout-seconds', '5'];
    const sent = echoApi.requests.length;
    const runs = [
      await bin('verify --token (line breaks)', [...target, '--token', wrapped, '--json'], env),
      await bin('verify --token-env (line breaks)', [...target, '--token-env', CANARY_ENV], env),
      await bin('verify --token-command (line breaks)', [...target, '--token-command', `printf %s "$${CANARY_ENV}"`, '--verbose'], env),
    ];
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    for (const run of runs) expect(run.stderr).toMatch(/got "\(hidden: \d+ characters, a line break at character 65\)"/);
    const action = await runAction(
      withActionDefaults({ command: 'verify', 'api-url': echoApi.url, paths: '/orders', token: wrapped, 'timeout-seconds': '5' }),
      { env: { RUNNER_DEBUG: '1' } },
    );
    keepAction('verify token with line breaks', action);
    expect(action.code).toBe(1);
    expect(echoApi.requests.length).toBe(sent); // refused before any probe went out
  }, 60_000);

  test('an API that echoes the token in halves (issue [1] item 5): the forgeries carrying real halves went out and came back', async () => {
    const [header, payload, signature] = canary.split('.') as [string, string, string];
    const sent = refusingApi.requests.length;
    const env = { [CANARY_ENV]: canary, GITHUB_ACTIONS: 'true' };
    const runs = [
      await bin(
        'verify echoed halves --json',
        ['verify', '--api-url', refusingApi.url, '--path', '/orders', '--token-env', CANARY_ENV, '--json', '--verbose', '--timeout-seconds', '3'],
        env,
      ),
      await bin(
        'verify echoed halves (text)',
        ['verify', '--api-url', echoApi.url, '--path', '/orders', '--token-env', CANARY_ENV, '--verbose', '--timeout-seconds', '5'],
        env,
      ),
    ];
    expect(runs.map((r) => r.code)).toEqual([1, 0]);
    const action = await runAction(
      withActionDefaults({ command: 'verify', 'api-url': refusingApi.url, paths: '/orders', token: canary, 'timeout-seconds': '3' }),
      { env: { RUNNER_DEBUG: '1' } },
    );
    keepAction('verify echoed halves', action);
    expect(action.code).toBe(1);
    // The API echoed header.payload (Location) and the signature (www-authenticate) of every credential
    // it got: among them the forged-known-kid probe (real header.payload, attacker signature) and the
    // tampered-payload probe (real header and signature around another payload).
    const credentials = refusingApi.requests.slice(sent).map((r) => r.authorization ?? '');
    expect(credentials.some((c) => c.startsWith(`Bearer ${header}.${payload}.`) && c !== `Bearer ${canary}`)).toBe(true);
    expect(credentials.some((c) => c.startsWith(`Bearer ${header}.`) && c.endsWith(`.${signature}`) && !c.includes(payload))).toBe(true);
  }, 60_000);

  test('verify --json under GITHUB_ACTIONS=true with a real exchange (issue [1] item 3): stdout is one JSON document', async () => {
    const report = join(suiteDir, 'runner-gate-report.json');
    const run = await bin(
      'verify --json on a runner (oidc exchange)',
      [
        'verify',
        '--api-url',
        entraGateway.url,
        '--path',
        '/orders',
        ...entraExchangeFlags(entraProxy.url),
        '--json',
        '--report',
        report,
        '--verbose',
        '--timeout-seconds',
        '10',
      ],
      {
        GITHUB_ACTIONS: 'true',
        RUNNER_DEBUG: '1',
        ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl.replace(github.url, githubProxy.url),
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => /^\s*(::|##\[)/.test(l))).toEqual([]);
    expect((JSON.parse(run.stdout) as { pass: boolean }).pass).toBe(true);
    expect(readFileSync(report, 'utf8')).toBe(run.stdout); // scanned with the suite folder below
    // Both tokens were masked, on stderr, where the runner reads workflow commands too.
    expect(run.stderr.match(/^::add-mask::[\w-]+\.[\w-]+\.[\w-]+$/gm)?.length).toBe(2);
  }, 60_000);

  test('nothing any flow wrote holds a token: outputs, reports, access logs and every new temp file', () => {
    // The scan is only as good as what it looks for: the real tokens must have been captured.
    const byKind = scanner.countsByLabel();
    expect(byKind['GitHub OIDC token']).toBeGreaterThanOrEqual(4);
    expect(byKind['Entra access token']).toBeGreaterThanOrEqual(5);

    const leaks: Leak[] = [];
    for (const { where, text } of written) leaks.push(...scanner.scanText(where, text));
    for (const [name, gateway] of [
      ['entra gateway', entraGateway],
      ['canary gateway', canaryGateway],
    ] as const)
      leaks.push(...scanner.scanText(`${name} access log`, gateway.accessLog.join('\n')));
    const fresh = readdirSync(tmpdir()).filter((entry) => !tmpBefore.has(entry));
    for (const entry of fresh) leaks.push(...scanner.scanTree(join(tmpdir(), entry)));
    expect(leaks).toEqual([]);
    expect(scanner.scanned.files).toBeGreaterThan(10);

    const { texts, files, textFiles, bytes, skippedLarge } = scanner.scanned;
    recordFigure(
      'leak-scan',
      {
        secrets: scanner.secretCount,
        byKind,
        flows,
        capturedTexts: texts,
        files,
        textFiles,
        bytes,
        skippedLarge,
        tempEntries: fresh.length,
        leaks: leaks.length,
      },
      `leak scan: ${scanner.secretCount} secrets (canary + captured tokens) × ${flows.length} flows; ${texts} captured outputs + ${files} files (${(bytes / 1e6).toFixed(1)} MB) scanned, ${leaks.length} leaks`,
    );
  });
});
