import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { GuardError } from '../errors';

export interface MotoServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Whether `moto_server` can be started here (looked up on PATH). */
export function motoAvailable(command = 'moto_server'): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts moto_server (AWS control plane) on a free loopback port and waits until it answers.
 * moto has no API Gateway data plane and runs no Lambda code; the gateway emulator covers those.
 */
export async function startMoto(options: { command?: string; timeoutMs?: number } = {}): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(options.command ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 15000);
  while (Date.now() < deadline) {
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
