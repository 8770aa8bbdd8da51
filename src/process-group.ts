import type { ChildProcess } from 'node:child_process';

/**
 * Helpers for long-lived children spawned `detached` (their own process group): a terminal's Ctrl-C
 * then reaches only us, and we decide when and how each child stops — terraform before the moto it
 * talks to, each exactly once.
 */

/** Whether a child can still receive signals. */
function running(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Sends `signal` to the child's whole process group, or to the child alone when it has none. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!running(child)) return;
  try {
    process.kill(-child.pid!, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kills a detached child if this process exits first, even through `process.exit` (a second
 * Ctrl-C): unlike a child in our own group, it would otherwise outlive us.
 */
export function killOnExit(child: ChildProcess): void {
  const kill = () => signalGroup(child, 'SIGKILL');
  process.on('exit', kill);
  const forget = () => process.off('exit', kill);
  child.once('exit', forget);
  child.once('error', forget);
}

/** Asks a child to stop with `signal`, kills its group after `graceMs`, and resolves once it has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!running(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, signal);
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
