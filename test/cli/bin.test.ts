import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CliRun, listening } from '../support/cli-run';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/bin.js');

/** The bin as the package ships it: `npm run build` output, run by node. */
beforeAll(() => {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
});

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
  // Each run has its own TMPDIR, and its processes (and so their ports) are found by an inherited
  // marker, so other work on the machine opening and closing ports cannot disturb the count. If an
  // assertion fails before the SIGINT, dispose() kills the rehearsal (jest never waits on it).
  const runs: CliRun[] = [];
  afterEach(() => runs.splice(0).forEach((run) => run.dispose()));

  it('stops every emulator: no process and no listening port is left behind', async () => {
    const run = new CliRun(['local', '--engine', 'emulate', '--keep']);
    runs.push(run);
    // Wait until the emulators are up and the rehearsal waits for Ctrl-C.
    await run.until(() => run.stdout.includes('stay up until Ctrl-C'), 30_000, 'the emulators to stay up');
    const ports = run.listeningPorts();
    expect(ports.length).toBeGreaterThanOrEqual(3); // GitHub OIDC, Entra ID, API Gateway
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.survivors()).toEqual([]);
    const still = new Set(listening().map(([address]) => address));
    expect(ports.filter((port) => still.has(port))).toEqual([]);
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
    const ports = run.listeningPorts();
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.survivors()).toEqual([]);
    const still = new Set(listening().map(([address]) => address));
    expect(ports.filter((port) => still.has(port))).toEqual([]);
    expect(run.tmpEntries()).toEqual([]);
  }, 60_000);
});
