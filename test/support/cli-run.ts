import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const ROOT = join(__dirname, '../..');
export const BIN = join(ROOT, 'dist/src/cli/bin.js');

/** `npm run build`, so the tests run the bin as the package ships it. */
export function buildBin(): void {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
}

/** PATH without every folder that holds one of `commands`. */
export function pathWithout(...commands: string[]): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !commands.some((command) => spawnSync('test', ['-x', join(dir, command)]).status === 0))
    .join(delimiter);
}

/**
 * One run of the CLI binary with its own TMPDIR and a marker in its environment that every process
 * it starts inherits, so the test can tell exactly what it left behind: files in the TMPDIR, and
 * processes still alive (found by the marker, whoever their parent is now).
 */
export class CliRun {
  readonly tmp = mkdtempSync(join(tmpdir(), 'cli-run-'));
  readonly marker = `ENTRA_API_GUARD_TEST_RUN=${randomUUID()}`;
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[], env: Record<string, string | undefined> = {}) {
    const [name, value] = this.marker.split('=') as [string, string];
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PWD: ROOT, ...env, TMPDIR: this.tmp, [name]: value },
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Waits until `done` holds (checked every 50 ms) or throws after `ms`. */
  async until(done: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`gave up waiting for ${what}; stderr:\n${this.stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What is left in the private TMPDIR. */
  tmpEntries(): string[] {
    return readdirSync(this.tmp);
  }

  /** Live processes started by this run (any depth), as "pid cmdline". */
  survivors(): string[] {
    const found: string[] = [];
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(this.marker)) continue;
        const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        if (state !== 'Z') found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim()}`);
      } catch {
        // Gone meanwhile, or not ours to read.
      }
    }
    return found;
  }

  /** Loopback ports (hex `addr:port`, as /proc/net/tcp writes them) that processes of this run listen on. */
  listeningPorts(): string[] {
    const sockets = new Set<string>();
    for (const line of this.survivors()) {
      const pid = line.split(' ')[0];
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          if (inode) sockets.add(inode);
        }
      } catch {
        // Gone meanwhile.
      }
    }
    return [...listening()].filter(([, inode]) => sockets.has(inode)).map(([address]) => address);
  }

  /** Kills whatever is still running and removes the TMPDIR (for afterEach, whatever the test saw). */
  dispose(): void {
    for (const line of this.survivors()) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Listening TCP sockets on this machine: [hex addr:port, inode]. */
export function listening(): [string, string][] {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  });
  return tables
    .join('\n')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A')
    .map((fields) => [fields[1]!, fields[9]!]);
}

const NOT_OURS = new Set(['.git', 'node_modules', 'dist']);

/** Every path in the checkout (build output and dependencies aside) with its modification time. */
export function snapshotCheckout(dir = ROOT, into = new Map<string, number>()): Map<string, number> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (dir === ROOT && NOT_OURS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      into.set(`${path}/`, 0);
      snapshotCheckout(path, into);
    } else {
      into.set(path, statSync(path).mtimeMs);
    }
  }
  return into;
}

/** Paths created or files changed in the checkout since `before`. */
export function checkoutChangesSince(before: Map<string, number>): string[] {
  return [...snapshotCheckout()].filter(([path, mtime]) => before.get(path) !== mtime).map(([path]) => path.slice(ROOT.length + 1));
}
