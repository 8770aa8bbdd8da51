import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listen, type RunningServer } from '../../src/local/server';
import { createTestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { BIN, ROOT } from '../support/cli-bin';
import { CliRun, stillListening } from '../support/cli-run';
import { localExchangeFlags } from '../token/helpers/fake-token-endpoint';

const run = promisify(execFile);

describe('dist/src/cli/bin.js', () => {
  it('runs main with process argv and sets the exit code (2 on a usage error)', async () => {
    const failure = await run(process.execPath, [BIN, 'verify', '--api-url', 'x']).catch((e: { code: number; stderr: string }) => e);
    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toMatch(/^error: --api-url: got "x"; expected/);
  });

  it('prints help and exits 0', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'verify', '--help']);
    expect(stdout).toContain('Usage: entra-api-guard verify');
  });

  it('lists every command in the top-level help', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    for (const name of ['local', 'synth', 'deploy', 'verify']) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });
});

describe('Ctrl-C during the rehearsal', () => {
  // Each run has its own TMPDIR, and its processes (and so their sockets) are found by an inherited
  // marker, so other work on the machine opening and closing ports cannot disturb the count. If an
  // assertion fails before the SIGINT, dispose() kills the rehearsal (jest never waits on it).
  const runs: CliRun[] = [];
  afterEach(() => runs.splice(0).forEach((run) => run.dispose()));

  it('stops every emulator: no process and no listening port is left behind', async () => {
    const run = new CliRun(['local', '--engine', 'emulate', '--keep']);
    runs.push(run);
    // Wait until the emulators are up and the rehearsal waits for Ctrl-C.
    await run.until(() => run.stdout.includes('stay up until Ctrl-C'), 30_000, 'the emulators to stay up');
    const sockets = run.listeningSockets();
    expect(sockets.length).toBeGreaterThanOrEqual(3); // GitHub OIDC, Entra ID, API Gateway
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.survivors()).toEqual([]);
    expect(stillListening(sockets)).toEqual([]);
    // The 0600 file with the emulator's request token is gone too.
    const envFile = /source (\S+)/.exec(run.stdout)?.[1];
    expect(envFile).toBeDefined();
    expect(existsSync(envFile!)).toBe(false);
    expect(run.tmpEntries()).toEqual([]);
  }, 60_000);

  it('interrupting mid-rehearsal also cleans up', async () => {
    const run = new CliRun(['local', '--engine', 'emulate', '--break', 'open-api', '--timeout-seconds', '30']);
    runs.push(run);
    await run.until(() => run.stderr.includes('gate:') || run.stderr.includes('start the API'), 30_000, 'the API to start');
    const sockets = run.listeningSockets();
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.survivors()).toEqual([]);
    expect(stillListening(sockets)).toEqual([]);
    expect(run.tmpEntries()).toEqual([]);
  }, 60_000);
});

/* The bin against APIs on loopback: signals, cleartext and credential refusals, time-outs, exit codes. */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

let token: string;
let silent: RunningServer & { requests(): number };
let testApi: TestApi;
const verifyChildren: ReturnType<typeof spawn>[] = [];

beforeAll(async () => {
  const issuer = await createTestIssuer();
  token = await issuer.sign();
  testApi = await startTestApi({ issuer });
  // An API (and a token endpoint) that takes every request and never answers.
  let count = 0;
  const server = await listen(() => {
    count++;
    return new Promise<void>(() => undefined);
  });
  silent = Object.assign(server, { requests: () => count });
}, 60_000);
afterEach(() => {
  for (const child of verifyChildren.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await Promise.all([silent?.close(), testApi?.close()]);
});

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bin; `whenReady` (polled) decides when `signal` is sent, if one is. */
function runBin(
  args: readonly string[],
  options: { env?: Record<string, string>; signal?: NodeJS.Signals; whenReady?: () => boolean } = {},
): Promise<Finished> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PWD: ROOT, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  verifyChildren.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  if (options.signal) {
    const poll = setInterval(() => {
      if (!(options.whenReady?.() ?? true)) return;
      clearInterval(poll);
      child.kill(options.signal);
    }, 20);
    child.on('exit', () => clearInterval(poll));
  }
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// How soon it stops (≤ 1 s) is measured in bench/stop-time.ts and recorded in bench/RESULTS.md; here,
// a bin that kept running would meet the 60 s --timeout-seconds (or the 30 s sleep) long after this
// test's own time-out.
describe('verify stops on SIGINT and SIGTERM, with 130 or 143 and no report', () => {
  /** Each stage: the arguments, and when the bin is busy there (a request in flight, the command started). */
  const stages: [string, () => { args: string[]; busy: () => boolean }][] = [
    ['while probing an API that never answers', () => waitForRequest(['--api-url', silent.url, '--token-env', 'GATE_TOKEN'])],
    ['while probing, with --json', () => waitForRequest(['--api-url', silent.url, '--token-env', 'GATE_TOKEN', '--json'])],
    [
      'while the token command runs',
      () => {
        const started = join(mkdtempSync(join(tmpdir(), 'verify-bin-')), 'token-command-started');
        return { args: ['--api-url', testApi.url, '--token-command', `touch ${started}; exec sleep 30`], busy: () => existsSync(started) };
      },
    ],
    [
      'while the token endpoint does not answer',
      () => waitForRequest(['--api-url', testApi.url, ...localExchangeFlags(silent.url, TENANT), '--client-secret-env', 'SECRET']),
    ],
  ];
  function waitForRequest(args: string[]): { args: string[]; busy: () => boolean } {
    const before = silent.requests();
    return { args, busy: () => silent.requests() > before };
  }
  const cases = stages.flatMap(([stage, setup]) => [[stage, 'SIGINT', 130, setup] as const, [stage, 'SIGTERM', 143, setup] as const]);
  test.each(cases)(
    '%s: %s → exit %i',
    async (_stage, signal, code, setup) => {
      const { args, busy } = setup();
      const run = await runBin(['verify', ...args, '--timeout-seconds', '60'], {
        env: { GATE_TOKEN: token, SECRET: 'not-a-real-secret' },
        signal,
        whenReady: busy,
      });
      expect(run.code).toBe(code);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toMatch(/PASS|FAIL|"pass"/);
    },
    30_000,
  );

  test('the token command is stopped with the bin, not left running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-bin-'));
    const pidFile = join(dir, 'pid');
    const run = await runBin(['verify', '--api-url', testApi.url, '--token-command', `echo $$ > ${pidFile}; exec sleep 30`], {
      signal: 'SIGTERM',
      whenReady: () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '',
    });
    expect(run.code).toBe(143);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);
});

describe('verify refuses before sending anything', () => {
  test('plain http to a host that is not loopback: exit 2, one line naming --allow-insecure-http, no token fetched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-bin-'));
    const marker = join(dir, 'token-command-ran');
    const run = await runBin(['verify', '--api-url', 'http://api.example.invalid', '--token-command', `touch ${marker}; echo a.b.c`]);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^error: --api-url: got "http:\/\/api\.example\.invalid"; expected an https:\/\/ URL: .*--allow-insecure-http/),
    ]);
    expect(existsSync(marker)).toBe(false);
  }, 30_000);

  test('--allow-insecure-http sends it anyway, with a warning on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-bin-'));
    const marker = join(dir, 'token-command-ran');
    const run = await runBin([
      'verify',
      '--api-url',
      'http://api.example.invalid',
      '--allow-insecure-http',
      '--token-command',
      `touch ${marker}; echo ${token}`,
      '--timeout-seconds',
      '1',
      '--no-negative-probes',
    ]);
    expect(run.stderr).toMatch(
      /^warning: --allow-insecure-http: the token goes to http:\/\/api\.example\.invalid over plain http, where anyone on the path can read and replay it$/m,
    );
    expect(existsSync(marker)).toBe(true);
    expect(run.code).toBe(1);
  }, 30_000);

  test('user:password@ in --api-url: exit 2, the password shown nowhere, the API never called', async () => {
    const before = testApi.requests.length;
    const url = testApi.url.replace('http://', 'http://gate:CANARY-PASSWORD-91f@');
    const run = await runBin(['verify', '--api-url', url, '--token-env', 'GATE_TOKEN'], { env: { GATE_TOKEN: token } });
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^error: --api-url: got "http:\/\/\*\*\*@127\.0\.0\.1:\d+"; expected a URL without user:password@ in it/),
    ]);
    expect(run.stdout + run.stderr).not.toContain('CANARY-PASSWORD-91f');
    expect(testApi.requests.length).toBe(before);
  }, 30_000);

  test.each([
    [
      '--expect-unauthenticated',
      '401,200',
      /^error: --expect-unauthenticated: got "401,200"; expected refusal statuses only, e\.g\. 401 or 401,403: 200 would let an API that answers anyone pass the gate/,
    ],
    ['--expect-unauthenticated', '301', /^error: --expect-unauthenticated: got "301"; expected refusal statuses only/],
    [
      '--expect-authenticated',
      '200,401',
      /^error: --expect-authenticated: got "200,401"; expected statuses of a request that was let in, e\.g\. 200: 401 would let an API that refuses the valid token pass the gate/,
    ],
    ['--expect-authenticated', '403', /^error: --expect-authenticated: got "403"; expected statuses of a request that was let in/],
  ])(
    '%s %s: exit 2 with why',
    async (flag, value, pattern) => {
      const before = testApi.requests.length;
      const run = await runBin(['verify', '--api-url', testApi.url, '--token-env', 'GATE_TOKEN', flag, value], { env: { GATE_TOKEN: token } });
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(pattern)]);
      expect(testApi.requests.length).toBe(before);
    },
    30_000,
  );
});

describe('verify: time', () => {
  test('--token-command gets --timeout-seconds, not a fixed minute', async () => {
    const run = await runBin(['verify', '--api-url', testApi.url, '--token-command', 'sleep 30', '--timeout-seconds', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/token command "sleep" did not finish within 1000 ms/);
  }, 30_000);

  test('probes starved by an API that never answers are not reported as "no answer within 1 ms"', async () => {
    const run = await runBin(['verify', '--api-url', silent.url, '--token-env', 'GATE_TOKEN', '--timeout-seconds', '2', '--json'], {
      env: { GATE_TOKEN: token },
    });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { probes: { name: string; attempts: number; lastAnswers: { error?: string }[] }[] };
    expect(report.probes.length).toBeGreaterThan(8);
    for (const p of report.probes) {
      expect({ probe: p.name, sent: p.attempts >= 1 }).toEqual({ probe: p.name, sent: true });
      for (const a of p.lastAnswers)
        expect({ probe: p.name, error: a.error }).toEqual({ probe: p.name, error: expect.stringMatching(/^no answer within (\d{3,}) ms$/) });
    }
  }, 30_000);
});

describe('help, folders and exit codes', () => {
  test('verify --help recommends --token-env first and warns that --token shows in ps', async () => {
    const run = await runBin(['verify', '--help']);
    const lines = run.stdout.split('\n');
    const tokenEnv = lines.findIndex((l) => l.trimStart().startsWith('--token-env'));
    const tokenFlag = lines.findIndex((l) => /^\s+--token T\b/.test(l));
    expect(tokenEnv).toBeGreaterThan(0);
    expect(tokenEnv).toBeLessThan(tokenFlag);
    expect(lines[tokenEnv]).toContain('recommended');
    expect(lines.slice(tokenFlag, tokenFlag + 2).join(' ')).toMatch(/command lines \(ps/);
  }, 30_000);

  test.each([['synth'], ['deploy'], ['local']])(
    '%s --dir /nonexistent: exit 2, one line saying the folder does not exist',
    async (command) => {
      const run = await runBin([command, '--dir', '/nonexistent/project']);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toEqual([
        `error: --dir: got "/nonexistent/project"; expected an existing project folder (/nonexistent/project does not exist) (see entra-api-guard ${command} --help)`,
      ]);
    },
    30_000,
  );

  test('deploy with a config error exits 2, like every other usage or config error', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'verify-bin-empty-'));
    const run = await runBin(['deploy', '--dir', empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: config\.tenantId: got nothing; expected the directory \(tenant\) id/);
  }, 30_000);
});
