import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { BIN, ROOT } from './cli-bin';

export { BIN, buildBin, ROOT } from './cli-bin';

/** PATH without every folder that holds one of `commands`. */
export function pathWithout(...commands: string[]): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !commands.some((command) => spawnSync('test', ['-x', join(dir, command)]).status === 0))
    .join(delimiter);
}

export interface CliRunOptions {
  /** The program and its first arguments. @default node dist/src/cli/bin.js */
  readonly command?: readonly string[];
  /** @default the checkout */
  readonly cwd?: string;
}

/**
 * One run of the CLI binary with its own TMPDIR and a marker in its environment that every process
 * it starts inherits, so the test can tell exactly what it left behind: files in the TMPDIR, and
 * processes still alive (found by the marker, whoever their parent is now). It leads its own process
 * group, as a command started from a terminal does, so {@link interrupt} is a terminal's Ctrl-C.
 */
export class CliRun {
  readonly tmp = mkdtempSync(join(tmpdir(), 'cli-run-'));
  readonly marker = `ENTRA_API_GUARD_TEST_RUN=${randomUUID()}`;
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[], env: Record<string, string | undefined> = {}, options: CliRunOptions = {}) {
    const [name, value] = this.marker.split('=') as [string, string];
    const [command, ...first] = options.command ?? [process.execPath, BIN];
    const cwd = options.cwd ?? ROOT;
    this.child = spawn(command!, [...first, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, PWD: cwd, ...env, TMPDIR: this.tmp, [name]: value },
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Ctrl-C at a terminal: SIGINT to the run's whole foreground process group. */
  interrupt(): void {
    process.kill(-this.child.pid!, 'SIGINT');
  }

  /** Waits until `done` holds (checked every 50 ms) or throws after `ms`. */
  async until(done: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`gave up waiting for ${what}; stderr:\n${this.stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Waits (at most `ms`) until no process of this run is alive: a wrapper such as npm may exit on
   * Ctrl-C before the program it started has finished stopping what it started.
   */
  async allStopped(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.survivors().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
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

  /**
   * The listening sockets that processes of this run hold: their inodes (unique on the machine, unlike
   * a port another program may take once it is free) and loopback addresses.
   */
  listeningSockets(): ListeningSocket[] {
    const inodes = new Set<string>();
    for (const line of this.survivors()) {
      const pid = line.split(' ')[0];
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          if (inode) inodes.add(inode);
        }
      } catch {
        // Gone meanwhile.
      }
    }
    return listening().filter((socket) => inodes.has(socket.inode));
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

export interface ListeningSocket {
  /** Hex `addr:port`, as /proc/net/tcp writes it. */
  readonly address: string;
  readonly inode: string;
}

/** Which of `sockets` still listen (by inode: the same socket, not merely the same port reused). */
export function stillListening(sockets: readonly ListeningSocket[]): ListeningSocket[] {
  const open = new Set(listening().map((socket) => socket.inode));
  return sockets.filter((socket) => open.has(socket.inode));
}

/** Listening TCP sockets on this machine. */
function listening(): ListeningSocket[] {
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
    .map((fields) => ({ address: fields[1]!, inode: fields[9]! }));
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
