import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let found: Promise<{ path: string } | { skip: string }> | undefined;

/**
 * The node binary of the `node@24` npm package (installed once into a cache under the temp folder),
 * so the bundle also runs on the major version `runs.using: node24` selects. Skips when npm cannot get it.
 */
export function node24Binary(): Promise<{ path: string } | { skip: string }> {
  found ??= new Promise((resolve) => {
    const cache = join(tmpdir(), 'entra-api-guard-node24-cache');
    const child = spawn('npm', ['exec', '--yes', `--cache=${cache}`, '--package=node@24', '--', 'node', '-p', 'process.execPath + " " + process.version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (error) => resolve({ skip: `npm could not run: ${error.message}` }));
    child.on('close', (code) => {
      clearTimeout(timer);
      const [path, version] = out.trim().split(/\s+/).slice(-2);
      if (code === 0 && path && version?.startsWith('v24.')) resolve({ path });
      else resolve({ skip: `npm exec --package=node@24 failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}` });
    });
  });
  return found;
}
