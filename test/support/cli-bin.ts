import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess, type ProcessRun } from './process';

export const ROOT = join(__dirname, '../..');
export const BIN = join(ROOT, 'dist/src/cli/bin.js');

export type BinRun = ProcessRun;

/**
 * The bin is built once per run, by jest's globalSetup (test/support/prepare.ts): a test never builds
 * into the dist/ that other test files run at the same time. This only checks that the build is there
 * (calls left in tests from before are harmless).
 */
export function buildBin(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run the tests through jest.config.js, whose globalSetup builds once`);
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
