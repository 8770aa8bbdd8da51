import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../support/process';
import { parse } from 'yaml';

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

/** Every input's default, read from action.yml with a YAML parser, as the runner reads it. */
export function actionYmlDefaults(): Record<string, string> {
  const manifest = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: unknown }> };
  return Object.fromEntries(Object.entries(manifest.inputs).map(([name, spec]) => [name, spec.default === undefined ? '' : String(spec.default)]));
}

/** `INPUT_<NAME>`: upper-cased, spaces as underscores, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Runs the committed bundle the way the runner does: `node action/dist/index.js` with one `INPUT_<NAME>`
 * for every input of action.yml — its default, or the test's value — and the GITHUB_OUTPUT / GITHUB_ENV
 * / GITHUB_STEP_SUMMARY files. Asynchronous, so emulators in this process keep answering while the action runs.
 */
export async function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'));
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, GITHUB_ACTIONS: 'true', CI: 'true', RUNNER_TEMP: dir, GITHUB_WORKSPACE: options.cwd ?? dir, ...files };
  // A runner exports every default, set or not; the test's inputs then replace some of them.
  for (const [name, value] of Object.entries({ ...actionYmlDefaults(), ...inputs })) env[inputVariable(name)] = value;
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
