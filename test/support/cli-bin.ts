import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runProcess, type ProcessRun } from './process';

export const ROOT = join(__dirname, '../..');
export const BIN = join(ROOT, 'dist/src/cli/bin.js');

export type BinRun = ProcessRun;

/** `npm run build`, so the tests run the bin as the package ships it. Call it in beforeAll. */
export function buildBin(): void {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
}

/**
 * Runs `node dist/src/cli/bin.js …` as a user's shell would: only PATH and `env` in its environment.
 * Asynchronous, so emulators in this process keep answering while it runs.
 */
export function runBin(args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<BinRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  return runProcess(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? ROOT, timeoutMs: options.timeoutMs ?? 60_000 });
}
