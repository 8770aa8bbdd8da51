import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

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

/** Listening TCP ports (inode → port) owned by nobody in particular; we compare before and after. */
function listeningPorts(): Set<string> {
  const out = spawnSync('sh', ['-c', 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null'], { encoding: 'utf8' }).stdout;
  return new Set(out.split('\n').filter((l) => / 0A /.test(l)).map((l) => l.trim().split(/\s+/)[1]!));
}

describe('Ctrl-C during the rehearsal', () => {
  // If an assertion fails before the SIGINT, the rehearsal would keep running (and keep jest alive).
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('stops every emulator: no process and no listening port is left behind', async () => {
    const before = listeningPorts();
    const child = spawn(process.execPath, [BIN, 'local', '--engine', 'emulate', '--keep'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PWD: ROOT } });
    children.push(child);
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    // Wait until the emulators are up and the rehearsal waits for Ctrl-C.
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('stay up until Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain('stay up until Ctrl-C');
    expect(listeningPorts().size).toBeGreaterThan(before.size);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const leftover = [...listeningPorts()].filter((p) => !before.has(p));
    expect(leftover).toEqual([]);
    // The 0600 file with the emulator's request token is gone too.
    const envFile = /source (\S+)/.exec(stdout)?.[1];
    expect(envFile).toBeDefined();
    expect(existsSync(envFile!)).toBe(false);
  }, 60_000);

  it('interrupting mid-rehearsal also cleans up', async () => {
    const before = listeningPorts();
    const child = spawn(process.execPath, [BIN, 'local', '--engine', 'emulate', '--break', 'open-api', '--timeout-seconds', '30'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PWD: ROOT } });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('gate:') && !stderr.includes('start the API') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await new Promise((r) => setTimeout(r, 200));
    expect([...listeningPorts()].filter((p) => !before.has(p))).toEqual([]);
  }, 60_000);
});
