import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
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
 * Starts moto_server (AWS control plane) on a free loopback port and waits until it answers.
 * moto has no API Gateway data plane and runs no Lambda code; the gateway emulator covers those.
 */
export async function startMoto(options: { command?: string; timeoutMs?: number } = {}): Promise<MotoServer> {
  const port = await freePort();
  const command = options.command ?? 'moto_server';
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop moto after whatever
  // still talks to it (terraform) has stopped; killOnExit covers an exit without clean-up.
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: process.platform !== 'win32' });
  killOnExit(child);
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => (spawnError = error));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const url = `http://127.0.0.1:${port}`;
  const close = () => stopChild(child, 'SIGTERM', 3000);
  const deadline = Date.now() + (options.timeoutMs ?? 15000);
  while (Date.now() < deadline) {
    if (spawnError) {
      throw spawnError.code === 'ENOENT'
        ? new GuardError('ERR_MOTO_MISSING', `moto_server: got "${command}", which is not on PATH; expected moto installed (${MOTO_INSTALL})`)
        : new GuardError('ERR_MOTO_START', `moto_server could not be started: ${spawnError.message}`);
    }
    if (child.exitCode !== null) throw new GuardError('ERR_MOTO_START', `moto_server exited with code ${child.exitCode}: ${stderr.trim().split('\n').pop() ?? ''}`);
    try {
      const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      return { url, close };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await close();
  throw new GuardError('ERR_MOTO_START', `moto_server did not answer on ${url} within ${options.timeoutMs ?? 15000} ms`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
