/**
 * Issue [5] item 8: `npm run local-action` runs the committed bundle from a laptop with a .env file, set
 * up as a runner sets up the step (every default of that action.yml as INPUT_*). Run as a user runs it,
 * through npm; the API is a loopback test API and the token a given one (a laptop has no GitHub OIDC token).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../../src/local/server';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { runProcess, type ProcessRun } from '../support/process';
import { ROOT, errorLines } from './harness';

let issuer: TestIssuer;
let api: TestApi;

beforeAll(async () => {
  issuer = await createTestIssuer();
  api = await startTestApi({ issuer, routes: ['/orders'] });
});
afterAll(async () => {
  await api?.close();
});

/** The shell of a laptop: no CI, no runner variables, no INPUT_*. */
function laptopEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_|CI$)/.test(e[0])),
  );
  return { ...env, ...extra };
}

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function envFile(lines: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-action-'));
  made.push(dir);
  const file = join(dir, '.env');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** What the script left in a TMPDIR (ts-node's compile cache, which npm run starts it with, aside). */
const ours = (tmp: string) => readdirSync(tmp).filter((entry) => entry.startsWith('entra-api-guard'));

/** Each run gets a TMPDIR of its own, so what a run leaves there can be seen. */
function localAction(args: readonly string[], env = laptopEnv()): Promise<ProcessRun & { tmp: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'local-action-tmp-'));
  made.push(tmp);
  return runProcess('npm', ['run', '-s', 'local-action', '--', ...args], { cwd: ROOT, env: { ...env, TMPDIR: tmp }, timeoutMs: 60_000 }).then((run) => ({
    ...run,
    tmp,
  }));
}

test('the main action from .env: the defaults of action.yml fill the rest, the gate passes, outputs and summary are printed', async () => {
  const token = await issuer.sign();
  // As .env.example has it: the inputs left empty keep their defaults.
  const file = envFile([
    '# from .env.example',
    'INPUT_COMMAND=verify',
    `INPUT_API-URL=${api.url}`,
    'INPUT_PATHS=/orders',
    `INPUT_TOKEN=${token}`,
    'INPUT_TIMEOUT-SECONDS=10',
    'INPUT_METHOD=',
    'INPUT_SCOPE=',
  ]);
  const run = await localAction(['--env', file]);
  expect(errorLines(run.stdout)).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`gate passed: `);
  expect(run.stdout).toMatch(/^outputs \(the step folder is removed after this run; --keep keeps it\):\n(.*\n)* {2}verdict: pass$/m);
  expect(run.stdout).toMatch(/^job summary:\n### entra-api-guard gate: ✅ passed/m);
  // Its step files and RUNNER_TEMP (the report file) are gone: nothing is left in TMPDIR (regression: a folder per run).
  expect(ours(run.tmp)).toEqual([]);
  // Like the runner, the script consumes ::add-mask:: lines: the token never reaches the terminal.
  expect(run.stdout).not.toContain(token.split('.')[2]!);
  expect(run.stdout).not.toContain('::add-mask::');
}, 90_000);

test("the verify sub-action (-- verify) takes the same .env; the shell's INPUT_* win over the file", async () => {
  const token = await issuer.sign();
  const file = envFile([`INPUT_API-URL=${api.url}`, 'INPUT_PATHS=/missing', `INPUT_TOKEN=${token}`, 'INPUT_TIMEOUT-SECONDS=10']);
  const run = await localAction(['verify', '--env', file], laptopEnv({ INPUT_PATHS: '/orders' }));
  expect(errorLines(run.stdout)).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^ {2}verdict: pass$/m);
}, 90_000);

test("a failing config: the action's one error line, its summary, and its exit code", async () => {
  const file = envFile(['INPUT_COMMAND=verify', 'INPUT_TOKEN=a.b.c']);
  const run = await localAction(['--env', file]);
  expect(run.code).toBe(1);
  expect(errorLines(run.stdout)).toEqual([
    'api-url: got ""; expected the API URL to gate (or api-id to read it and the routes from AWS) when command is verify',
  ]);
  expect(run.stdout).toMatch(/^job summary:\n### entra-api-guard: ❌ failed$/m);
  expect(ours(run.tmp)).toEqual([]);
}, 90_000);

test('--keep keeps the step folder and names its files: the outputs, the summary and the report file are there to read', async () => {
  const token = await issuer.sign();
  const file = envFile([`INPUT_API-URL=${api.url}`, 'INPUT_PATHS=/orders', `INPUT_TOKEN=${token}`, 'INPUT_TIMEOUT-SECONDS=10']);
  const run = await localAction(['verify', '--env', file, '--keep']);
  expect(run.code).toBe(0);
  const [folder] = ours(run.tmp);
  expect(folder).toMatch(/^entra-api-guard-local-/);
  const summary = /^job summary \((.+)\):$/m.exec(run.stdout)?.[1];
  expect(summary).toBe(join(run.tmp, folder!, 'summary'));
  expect(/^outputs \((.+)\):$/m.exec(run.stdout)?.[1]).toBe(join(run.tmp, folder!, 'output'));
  const reportFile = /^ {2}report-file: (.+)$/m.exec(run.stdout)?.[1];
  expect(reportFile?.startsWith(join(run.tmp, folder!))).toBe(true);
  expect(existsSync(reportFile!)).toBe(true);
}, 90_000);

test('stopped mid-run (SIGTERM, as Ctrl-C or a cancelled job sends): the action is stopped too, exit 143, the step folder removed', async () => {
  let probes = 0;
  // An API that takes every request and never answers: the run is mid-gate when the signal comes.
  const silent = await listen(() => {
    probes++;
    return new Promise<void>(() => undefined);
  });
  try {
    const token = await issuer.sign();
    const file = envFile([`INPUT_API-URL=${silent.url}`, 'INPUT_PATHS=/orders', `INPUT_TOKEN=${token}`, 'INPUT_TIMEOUT-SECONDS=60']);
    const tmp = mkdtempSync(join(tmpdir(), 'local-action-tmp-'));
    made.push(tmp);
    // The script itself (ts-node runs it in this one process), so the signal reaches it and not npm.
    const child = spawn(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(ROOT, 'action/local-run.ts'), 'verify', '--env', file],
      {
        cwd: ROOT,
        env: { ...laptopEnv(), TMPDIR: tmp },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    for (const started = Date.now(); probes === 0 && Date.now() - started < 30_000;) await new Promise((wait) => setTimeout(wait, 20));
    expect(probes).toBeGreaterThan(0);
    expect(ours(tmp)).toEqual([expect.stringMatching(/^entra-api-guard-local-/)]);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(ours(tmp)).toEqual([]);
  } finally {
    await silent.close();
  }
}, 60_000);

test.each([
  [
    'an INPUT_ name neither action.yml declares (a typo)',
    ['--env', 'TYPO'],
    /^.*\.env: got INPUT_API_URL; expected an INPUT_ variable of action.yml or verify\/action.yml, spelled as \.env\.example spells it \(e\.g\. INPUT_API-URL\)$/,
  ],
  [
    'an env file that is not there',
    ['--env', '/no/such/.env'],
    /^--env: got "\/no\/such\/\.env", which does not exist; expected a file of NAME=value lines \(copy \.env\.example\)$/,
  ],
  ['an action that does not exist', ['deploy'], /^local-action: got "deploy"; expected main or verify/],
])(
  '%s: one line, exit 2, nothing run',
  async (_what, args, expected) => {
    const resolved = args.map((a) => (a === 'TYPO' ? envFile(['INPUT_API_URL=https://x.example.com']) : a));
    const run = await localAction(resolved);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(expected)]);
    expect(run.stdout).toBe('');
    expect(ours(run.tmp)).toEqual([]);
  },
  90_000,
);
