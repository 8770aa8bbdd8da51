import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareStep, readStepFiles } from '../../action/local-run';
import { manifestDefaults, readManifest, type ActionName } from '../../action/manifest';
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
  /** Which action.yml the step uses: the main action, or the verify sub-action (verify/action.yml). @default 'main' */
  readonly action?: ActionName;
}

/** Every input's default, read from an action.yml with a YAML parser, as the runner reads it. */
export function actionYmlDefaults(action: ActionName = 'main'): Record<string, string> {
  return manifestDefaults(readManifest(ROOT, action));
}

/**
 * Runs the committed bundle the way the runner does: `node <action folder>/<runs.main>` with one
 * `INPUT_<NAME>` for every input of that action.yml — its default, or the test's value — and the
 * GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files. Asynchronous, so emulators in this process
 * keep answering while the action runs.
 */
export async function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'));
  // A runner exports every default, set or not; the test's inputs then replace some of them.
  const step = prepareStep(ROOT, options.action ?? 'main', inputs, dir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.cwd ?? dir,
    ...step.env,
  };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  const [command, ...args] = options.node ?? [process.execPath];
  const started = Date.now();
  const run = await runProcess(command!, [...args, step.entry], { env, cwd: options.cwd ?? dir, timeoutMs: options.timeoutMs ?? 60_000 });
  return { ...run, ...readStepFiles(step.files), ms: Date.now() - started };
}

/** `::error::` lines (workflow commands), decoded. */
export function errorLines(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((l) => l.startsWith('::error'))
    .map((l) =>
      l
        .replace(/^::error[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%0D/g, '\r')
        .replace(/%25/g, '%'),
    );
}

/** stdout without the `::add-mask::` commands (the runner consumes those; they never reach the log). */
export function withoutMaskCommands(stdout: string): string {
  return stdout
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}
