import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../support/process';

export const ROOT = join(__dirname, '../..');
export const BUNDLE = join(ROOT, 'action/dist/index.js');

export interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly envFile: string;
  readonly ms: number;
}

export interface RunOptions {
  /** Extra environment (ACTIONS_ID_TOKEN_REQUEST_*, GITHUB_REPOSITORY…). */
  readonly env?: Record<string, string | undefined>;
  /** The command that runs the bundle. @default [process.execPath] */
  readonly node?: readonly string[];
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

/**
 * Runs the committed bundle the way the runner does: `node action/dist/index.js` with one `INPUT_<NAME>`
 * per input (upper-cased, hyphens kept) and the GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files.
 * Asynchronous, so emulators in this process keep answering while the action runs.
 */
export async function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'));
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, GITHUB_ACTIONS: 'true', CI: 'true', RUNNER_TEMP: dir, GITHUB_WORKSPACE: options.cwd ?? dir, ...files };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  const [command, ...args] = options.node ?? [process.execPath];
  const started = Date.now();
  const run = await runProcess(command!, [...args, BUNDLE], { env, cwd: options.cwd ?? dir, timeoutMs: options.timeoutMs ?? 60_000 });
  return {
    ...run,
    outputs: parseOutputFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    envFile: readFileSync(files.GITHUB_ENV, 'utf8'),
    ms: Date.now() - started,
  };
}

/** Reads `name<<DELIMITER\nvalue\nDELIMITER` blocks, as the runner does. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    out[name!] = value.join('\n');
  }
  return out;
}

/** `::error::` lines (workflow commands), decoded. */
export function errorLines(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((l) => l.startsWith('::error'))
    .map((l) => l.replace(/^::error[^:]*::/, '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'));
}

/** stdout without the `::add-mask::` commands (the runner consumes those; they never reach the log). */
export function withoutMaskCommands(stdout: string): string {
  return stdout
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}
