/**
 * A run of the committed bundle set up the way the runner sets up a node action's step: one INPUT_*
 * for every input the action.yml declares (its default, or the value given), any other given input
 * too (a runner passes undeclared `with:` entries on, with a warning), and the step's files. Used by
 * the tests (test/action/harness.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryPath, inputVariable, manifestDefaults, readManifest, type ActionName } from './manifest';

/** The files a runner gives a step. */
export interface StepFiles {
  readonly GITHUB_OUTPUT: string;
  readonly GITHUB_ENV: string;
  readonly GITHUB_STEP_SUMMARY: string;
}

export interface StepSetup {
  /** The script to start with node, as the runner names it (e.g. `…/verify/../action/dist/index.js`). */
  readonly entry: string;
  /** INPUT_*, RUNNER_TEMP and the step files; the caller adds the rest of the environment. */
  readonly env: Record<string, string>;
  readonly files: StepFiles;
}

/** Prepares a step of `action` in `dir` (fresh, empty step files there) with these inputs over the defaults. */
export function prepareStep(root: string, action: ActionName, inputs: Readonly<Record<string, string>>, dir: string): StepSetup {
  const manifest = readManifest(root, action);
  const files: StepFiles = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = { RUNNER_TEMP: dir, ...files };
  for (const [name, value] of Object.entries({ ...manifestDefaults(manifest), ...inputs })) env[inputVariable(name)] = value;
  return { entry: entryPath(root, manifest), env, files };
}

export interface StepResults {
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly envFile: string;
}

export function readStepFiles(files: StepFiles): StepResults {
  return {
    outputs: parseOutputFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    envFile: readFileSync(files.GITHUB_ENV, 'utf8'),
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
