import { spawn } from 'node:child_process';
import { parseBearerToken } from '../contract/input-values';
import { Redactor, quoteUntrusted } from '../redact';
import { TokenCommandFailedError } from './errors';

export interface RunTokenCommandOptions {
  /** A shell command line that prints one access token, e.g. `az account get-access-token ... -o tsv`. */
  readonly command: string;
  /** @default 60000 */
  readonly timeoutMs?: number;
  /** Environment for the child. @default the parent's */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with the token the moment it is read. */
  readonly mask?: (token: string) => void;
  /** Stops the command at once (Ctrl-C): its process group is killed and the call rejects with the reason. */
  readonly signal?: AbortSignal;
}

const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Runs a command through the shell and takes its trimmed stdout as the token. A failure says what
 * went wrong (exit code, time-out, stderr's last line) but never repeats stdout, which may hold a token.
 */
export async function runTokenCommand(options: RunTokenCommandOptions): Promise<string> {
  if (typeof options.command !== 'string' || options.command.trim() === '') throw new TypeError('runTokenCommand: "command" must be a non-empty string');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const name = commandName(options.command);
  options.signal?.throwIfAborted();
  const { code, signal, stdout, stderr, timedOut, spawnError } = await run(options, timeoutMs);
  const token = stdout.trim();
  // Masked the moment it is read, before anything can fail: stdout may hold a token even when the command then reports an error.
  if (token !== '') options.mask?.(token);
  options.signal?.throwIfAborted();
  if (spawnError) throw new TokenCommandFailedError(`token command ${name} could not start: ${spawnError.message}`, null, { cause: spawnError });
  if (timedOut) throw new TokenCommandFailedError(`token command ${name} did not finish within ${timeoutMs} ms`, null);
  if (code !== 0) {
    // A tool may echo what it printed on stdout (the token) into its error output.
    const why = quoteUntrusted(lastLine(stderr), new Redactor(stdout.split(/\s+/)), { keepQuotes: true, max: 200 });
    throw new TokenCommandFailedError(`token command ${name} exited with ${code ?? signal}${why ? `: ${why}` : ''} (stdout not shown)`, code);
  }
  if (token === '') throw new TokenCommandFailedError(`token command ${name} printed nothing; expected one access token on stdout`, code);
  // The user's own command printed it: a bad token is a usage error that names the command, never the token.
  return parseBearerToken(`token command ${name} output`, token)!;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: Error;
}

function run(options: RunTokenCommandOptions, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(options.command, {
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      // Its own process group, so a time-out also stops what the shell started.
      detached: process.platform !== 'win32',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    let timedOut = false;
    let spawnError: Error | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      kill(child.pid);
    }, timeoutMs);
    const onAbort = (): void => kill(child.pid);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

function kill(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') process.kill(pid);
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The program name only: arguments may carry secrets. */
function commandName(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? '';
  return `"${first.length > 40 ? `${first.slice(0, 37)}...` : first}"`;
}

function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}
