/**
 * A run of the committed bundle set up the way the runner sets up a node action's step: one INPUT_*
 * for every input the action.yml declares (its default, or the value given), any other given input
 * too (a runner passes undeclared `with:` entries on, with a warning), and the step's files. Used by
 * the tests (test/action/harness.ts) and by `npm run local-action` (localAction, below).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseEnv } from 'node:util';
import { ACTIONS, entryPath, inputVariable, manifestDefaults, readManifest, type ActionName } from './manifest';

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

export interface LocalActionIo {
  readonly out: (text: string) => void;
  readonly err: (line: string) => void;
}

const USAGE = 'npm run local-action [-- verify] [--env FILE] [--keep]';

/**
 * `npm run local-action [-- verify] [--env FILE] [--keep]`: the committed bundle from a laptop. The step
 * is set up as a runner would (prepareStep), with the inputs of `.env` (see .env.example) and of the
 * shell (the shell wins; an empty value keeps the default); other variables of `.env` reach the action
 * too. The step's folder (its files and RUNNER_TEMP, where the report file goes) is removed once the
 * outputs and summary are printed, unless --keep. Returns the action's exit code (130/143 when
 * interrupted), or 2 for a usage or `.env` error (one line, nothing started).
 */
export async function localAction(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  io: LocalActionIo,
  root = join(__dirname, '..'),
): Promise<number> {
  let action: ActionName = 'main';
  let envFile: string | undefined;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // Not --env-file: node 20 reads that flag anywhere on its command line, the script's arguments included.
    if (arg === '--env' && argv[i + 1] !== undefined) envFile = argv[++i]!;
    else if (arg === '--keep') keep = true;
    else if (arg in ACTIONS) action = arg as ActionName;
    else return usageError(io, `local-action: got "${arg}"; expected main or verify (which action.yml to run), --env FILE or --keep: ${USAGE}`);
  }
  const file = resolve(cwd, envFile ?? '.env');
  const hasFile = existsSync(file);
  if (envFile !== undefined && !hasFile)
    return usageError(io, `--env: got "${envFile}", which does not exist; expected a file of NAME=value lines (copy .env.example)`);
  const fromFile = hasFile ? parseEnv(readFileSync(file, 'utf8')) : {};
  if (!hasFile) io.err(`local-action: no ${file}; using the INPUT_* of your shell only (copy .env.example to .env to set inputs there)`);

  // Either action.yml's inputs may be in a shared .env; a name neither declares is a typo.
  const names = new Map<string, string>();
  for (const name of Object.keys(ACTIONS) as ActionName[])
    for (const input of Object.keys(readManifest(root, name).inputs)) names.set(inputVariable(input), input);
  const inputs: Record<string, string> = {};
  for (const [key, value] of [...Object.entries(fromFile), ...Object.entries(env)]) {
    if (value === undefined || !key.startsWith('INPUT_')) continue;
    const input = names.get(key);
    if (input === undefined)
      return usageError(
        io,
        `${key in env ? 'the shell' : file}: got ${key}; expected an INPUT_ variable of action.yml or verify/action.yml, spelled as .env.example spells it (e.g. INPUT_API-URL)`,
      );
    if (value.trim() !== '') inputs[input] = value;
  }

  const dir = mkdtempSync(join(tmpdir(), 'entra-api-guard-local-'));
  try {
    return await runStep(prepareStep(root, action, inputs, dir), fromFile, env, cwd, io, keep);
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the prepared step with the rest of the environment, then prints its outputs and job summary. */
async function runStep(
  step: StepSetup,
  fromFile: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  io: LocalActionIo,
  keep: boolean,
): Promise<number> {
  // The other variables of .env and the shell (the shell wins); INPUT_* only as the step sets them.
  const others = Object.entries({ ...fromFile, ...env }).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('INPUT_'));
  const childEnv = { ...Object.fromEntries(others), GITHUB_WORKSPACE: env.GITHUB_WORKSPACE ?? cwd, ...step.env };
  // Ctrl-C reaches the action too (same process group): wait for it to stop, then clean up.
  const child = spawn(process.execPath, [step.entry], { env: childEnv, cwd, stdio: ['inherit', 'pipe', 'inherit'] });
  const forward = (signal: NodeJS.Signals) => void child.kill(signal);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  const code = await new Promise<number>((done) => {
    // The runner consumes ::add-mask:: commands, so the secrets they name never reach a log: nor here.
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      if (!line.startsWith('::add-mask::')) io.out(line);
    });
    child.on('error', (error) => {
      io.err(`local-action: could not start ${step.entry}: ${error.message}`);
      done(1);
    });
    // Stopped by a signal: 128 + its number, as a shell reports it (130 for SIGINT, 143 for SIGTERM).
    child.on('close', (status, signal) => done(status ?? (signal !== null ? 128 + constants.signals[signal] : 1)));
  }).finally(() => process.off('SIGINT', forward).off('SIGTERM', forward));
  const results = readStepFiles(step.files);
  const outputs = Object.entries(results.outputs).map(([name, value]) => `  ${name}: ${value.length > 200 ? `${value.slice(0, 200)}…` : value}`);
  io.out(
    [
      '',
      keep ? `outputs (${step.files.GITHUB_OUTPUT}):` : 'outputs (the step folder is removed after this run; --keep keeps it):',
      ...(outputs.length > 0 ? outputs : ['  (none)']),
      '',
      keep ? `job summary (${step.files.GITHUB_STEP_SUMMARY}):` : 'job summary:',
      results.summary,
      '',
    ].join('\n'),
  );
  return code;
}

function usageError(io: LocalActionIo, line: string): number {
  io.err(line);
  return 2;
}

if (require.main === module) {
  const io: LocalActionIo = { out: (text) => process.stdout.write(`${text}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  void localAction(process.argv.slice(2), process.env, process.env.INIT_CWD ?? process.cwd(), io).then((code) => {
    process.exitCode = code;
  });
}
