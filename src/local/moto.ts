import { spawn, type ChildProcess } from 'node:child_process';
import { GuardError } from '../errors';
import { findOnPath } from './on-path';
import { killOnExit, stopChild } from '../process-group';

export interface MotoServer {
  readonly url: string;
  close(): Promise<void>;
}

/** How to get moto_server, for the one line that says it is missing. */
export const MOTO_INSTALL = 'pip install "moto[server]"';

/** Whether `moto_server` can be started here (looked up on PATH). */
export function motoAvailable(env: Readonly<Record<string, string | undefined>> = process.env, command = 'moto_server'): boolean {
  return findOnPath(command, env) !== undefined;
}

/**
 * Starts moto_server (AWS control plane) on a loopback port it picks itself and waits until it answers.
 * moto binds port 0 and names the port it got ("Running on http://127.0.0.1:PORT"): unlike a port
 * found free beforehand and handed over, nothing else on the machine can take it in between.
 * moto has no API Gateway data plane and runs no Lambda code; the gateway emulator covers those.
 */
export async function startMoto(options: { command?: string; timeoutMs?: number } = {}): Promise<MotoServer> {
  const command = options.command ?? 'moto_server';
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop moto after whatever
  // still talks to it (terraform) has stopped; killOnExit covers an exit without clean-up.
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'ignore', 'pipe'], detached: process.platform !== 'win32' });
  killOnExit(child);
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => (spawnError = error));
  let stderr = '';
  let url: string | undefined;
  // Read for as long as moto runs: it logs every request there, and a full pipe would stall it.
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
    url ??= BANNER.exec(stderr)?.[1];
  });
  const close = () => stopChild(child, 'SIGTERM', 3000);
  const timeoutMs = options.timeoutMs ?? 15000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) {
      throw spawnError.code === 'ENOENT'
        ? new GuardError('ERR_MOTO_MISSING', `moto_server: got "${command}", which is not on PATH; expected moto installed (${MOTO_INSTALL})`)
        : new GuardError('ERR_MOTO_START', `moto_server could not be started: ${spawnError.message}`);
    }
    if (child.exitCode !== null)
      throw new GuardError('ERR_MOTO_START', `moto_server exited with code ${child.exitCode}: ${stderr.trim().split('\n').pop() ?? ''}`);
    if (url !== undefined) {
      try {
        const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(500) });
        await res.arrayBuffer();
        return { url, close };
      } catch {
        // Bound but not answering yet.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await close();
  throw new GuardError('ERR_MOTO_START', `moto_server did not ${url === undefined ? 'say which port it took' : `answer on ${url}`} within ${timeoutMs} ms`);
}

/** werkzeug's start-up line, with the port it bound (never 0). */
const BANNER = /Running on (http:\/\/127\.0\.0\.1:[1-9]\d*)/;
