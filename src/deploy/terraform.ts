import { spawn } from 'node:child_process';
import { killOnExit, stopChild } from '../process-group';
import { DeployError } from './errors';

/** Where deploy progress goes: plain lines on a terminal, foldable groups in GitHub Actions. */
export interface DeployLog {
  info(line: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export const plainLog = (write: (line: string) => void): DeployLog => ({
  info: write,
  async group(title, fn) {
    write(`▸ ${title}`);
    return fn();
  },
});

export interface TerraformCommand {
  readonly binary: string;
  readonly cwd: string;
  readonly env: Record<string, string | undefined>;
  readonly onLine?: (line: string) => void;
  /**
   * Stops terraform: it gets one SIGINT (it then finishes the calls in flight and writes its state),
   * and is killed if still running after `stopGraceMs`. With a signal, terraform
   * runs in its own process group, so a terminal's Ctrl-C does not reach it twice (a second
   * interrupt makes terraform exit at once, state or not).
   */
  readonly signal?: AbortSignal;
  /** @default {@link TERRAFORM_STOP_GRACE_MS} */
  readonly stopGraceMs?: number;
}

/** How long an interrupted terraform may take to finish the calls in flight before it is killed. */
export const TERRAFORM_STOP_GRACE_MS = 10_000;

export interface TerraformRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs terraform (or tofu) without a shell; resolves with whatever it exits with. */
export function runTerraform(command: TerraformCommand, args: readonly string[]): Promise<TerraformRun> {
  return new Promise((resolve, reject) => {
    const { signal } = command;
    if (signal?.aborted) return reject(interrupted(args));
    const env = { ...command.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
    const child = spawn(command.binary, args, {
      cwd: command.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: signal !== undefined && process.platform !== 'win32',
    });
    const onAbort = () => void stopChild(child, 'SIGINT', command.stopGraceMs ?? TERRAFORM_STOP_GRACE_MS);
    if (signal) {
      killOnExit(child);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    let stdout = '';
    let stderr = '';
    const lines = (chunk: Buffer, sink: (text: string) => void) => {
      const text = chunk.toString();
      sink(text);
      if (command.onLine) for (const line of text.split('\n')) if (line.trim() !== '') command.onLine(line);
    };
    child.stdout.on('data', (c: Buffer) => lines(c, (t) => (stdout += t)));
    child.stderr.on('data', (c: Buffer) => lines(c, (t) => (stderr += t)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      if (error.code === 'ENOENT') reject(missingBinary(command.binary));
      else reject(error);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(interrupted(args));
      else resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

function interrupted(args: readonly string[]): DeployError {
  return new DeployError('ERR_INTERRUPTED', `terraform ${args[0] ?? 'run'} was interrupted`);
}

/** `terraform version`, also the check that the binary exists at all. */
export async function terraformVersion(binary: string, env: Record<string, string | undefined>, cwd: string, signal?: AbortSignal): Promise<string> {
  const run = await runTerraform({ binary, cwd, env, ...(signal ? { signal } : {}) }, ['version', '-json']);
  try {
    const parsed = JSON.parse(run.stdout) as { terraform_version?: string };
    return `${binary} ${parsed.terraform_version ?? 'unknown version'}`;
  } catch {
    return `${binary} ${run.stdout.split('\n')[0] ?? ''}`.trim();
  }
}

function missingBinary(binary: string): DeployError {
  return new DeployError(
    'ERR_TERRAFORM_MISSING',
    `terraform: got "${binary}", which is not on PATH; expected terraform or tofu installed before this step (hashicorp/setup-terraform@v3 or opentofu/setup-opentofu@v1 in a workflow)`,
  );
}

/** Terraform's own error block (from the first `Error:`), without box-drawing characters. */
export function errorBlock(output: string): string {
  const clean = output
    // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes terraform writes
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.replace(/^[│╷╵]\s?/, ''));
  const start = clean.findIndex((l) => /^Error: /.test(l.trim()));
  return (start < 0 ? clean.slice(-20) : clean.slice(start)).join('\n').trim();
}

/** Turns a failed run into one clear line plus terraform's error block. */
export function terraformFailure(step: string, stack: string, run: TerraformRun, lockTimeout: string): DeployError {
  const block = errorBlock(`${run.stderr}\n${run.stdout}`);
  if (/Error acquiring the state lock/.test(block)) {
    const who = /Who:\s+(.+)/.exec(block)?.[1]?.trim();
    return new DeployError(
      'ERR_STATE_LOCKED',
      `terraform ${step} of stack ${stack}: the state is locked by another run${who ? ` (${who})` : ''} and the lock was not released within lock-timeout ${lockTimeout}; wait for that run, or raise lock-timeout`,
      block,
      { stackName: stack, step },
    );
  }
  const first =
    block
      .split('\n')
      .find((l) => l.trim().startsWith('Error: '))
      ?.trim() ?? `exit code ${run.code}`;
  return new DeployError('ERR_TERRAFORM_FAILED', `terraform ${step} of stack ${stack} failed: ${first.replace(/^Error: /, '')}`, block, {
    stackName: stack,
    step,
  });
}
