import { join } from 'node:path';
import { readJsonFile } from '../json-file';
import { DeployError } from './errors';
import { orderStacks, readStacks, type ManifestStack } from './manifest';
import { typedOutputs, type DeployOutputs } from './outputs';
import { runTerraform, terraformFailure, terraformVersion, type DeployLog, type TerraformCommand } from './terraform';

export type DeployMode = 'plan' | 'apply' | 'destroy';

export interface DeployOptions {
  /** Synthesized app folder (holds manifest.json). */
  readonly outdir: string;
  readonly mode: DeployMode;
  /** Only these stacks. @default all, in dependency order */
  readonly stacks?: readonly string[];
  /** `terraform` or `tofu` (or a path). @default 'terraform' */
  readonly binary?: string;
  /** How long to wait for another run's state lock. @default '5m' */
  readonly lockTimeout?: string;
  /** Environment for terraform (credentials, TF_CLI_CONFIG_FILE…). Passed in; never read here. */
  readonly env: Record<string, string | undefined>;
  /** Running in CI, where a runner's disk (and local state) is gone after the job. */
  readonly ci: boolean;
  /** Accept a local backend in CI anyway. @default false */
  readonly allowLocalBackend?: boolean;
  /** Extra `-var`s per stack name; outputs of earlier stacks fill same-named variables automatically. */
  readonly variables?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly log: DeployLog;
  /** Stops the running terraform (see {@link TerraformCommand.signal}) and starts no further step. */
  readonly signal?: AbortSignal;
  /** How long an interrupted terraform may take before it is killed. @default 10 s */
  readonly stopGraceMs?: number;
}

export interface StackResult {
  readonly name: string;
  /** Whether the plan had changes (plan/apply), or anything was destroyed. */
  readonly changed: boolean;
  readonly outputs: Record<string, unknown>;
}

/** One terraform process: which stack and step, and how long it took. */
export interface TerraformStep {
  readonly stack: string;
  readonly step: string;
  readonly ms: number;
}

export interface DeployResult {
  readonly version: string;
  /** Every terraform process run, in order, with its wall time (the rest of a deploy is ours). */
  readonly steps: readonly TerraformStep[];
  readonly stacks: readonly StackResult[];
  readonly outputs: DeployOutputs;
  /** Raw outputs of all stacks merged (later stacks win). */
  readonly rawOutputs: Record<string, unknown>;
}

interface StackFile {
  terraform?: { backend?: Record<string, unknown> };
  variable?: Record<string, { default?: unknown }>;
}

/**
 * Deploys synthesized stacks with plain terraform/tofu: init, then plan (-detailed-exitcode) or apply
 * (plan + apply under one state lock), then outputs; dependency order for apply, reverse for destroy.
 */
export async function deployStacks(options: DeployOptions): Promise<DeployResult> {
  const binary = options.binary ?? 'terraform';
  const lockTimeout = options.lockTimeout ?? '5m';
  const all = readStacks(options.outdir);
  let stacks = orderStacks(all, options.stacks);
  if (options.mode === 'destroy') stacks = [...stacks].reverse();
  const files = new Map(stacks.map((s) => [s.name, readStackFile(s)]));
  for (const stack of stacks) checkBackend(stack.name, files.get(stack.name)!, options);

  const timings: TerraformStep[] = [];
  const versionStarted = Date.now();
  const version = await terraformVersion(binary, options.env, options.outdir, options.signal);
  timings.push({ stack: '-', step: 'version', ms: Date.now() - versionStarted });
  options.log.info(`using ${version}`);
  const results: StackResult[] = [];
  const known: Record<string, unknown> = {};
  if (options.mode === 'destroy') {
    // Destroying the gateway still needs the identity's outputs for its variables.
    for (const stack of orderStacks(all)) Object.assign(known, await readOutputs(stack, binary, options, true));
  }
  for (const stack of stacks) {
    const command: TerraformCommand = { binary, cwd: stack.workingDirectory, env: options.env, onLine: options.log.info, ...stopping(options) };
    const vars = variableArgs(files.get(stack.name)!, known, options.variables?.[stack.name] ?? {});
    const result = await options.log.group(`${options.mode} ${stack.name}`, () => runStack(stack, command, vars, options.mode, lockTimeout, timings));
    Object.assign(known, result.outputs);
    results.push(result);
  }
  return { version, steps: timings, stacks: results, outputs: typedOutputs(known), rawOutputs: known };
}

async function runStack(
  stack: ManifestStack,
  command: TerraformCommand,
  vars: string[],
  mode: DeployMode,
  lockTimeout: string,
  timings: TerraformStep[],
): Promise<StackResult> {
  const step = async (name: string, args: string[], ok: readonly number[] = [0]) => {
    const started = Date.now();
    const run = await runTerraform(command, args);
    timings.push({ stack: stack.name, step: name, ms: Date.now() - started });
    if (!ok.includes(run.code)) throw terraformFailure(name, stack.name, run, lockTimeout);
    return run;
  };
  const lock = `-lock-timeout=${lockTimeout}`;
  await step('init', ['init', '-input=false', '-no-color', lock]);
  if (mode === 'destroy') {
    const run = await step('destroy', ['destroy', '-auto-approve', '-input=false', '-no-color', lock, ...vars]);
    return { name: stack.name, changed: !/Resources: 0 destroyed/.test(run.stdout), outputs: {} };
  }
  if (mode === 'plan') {
    const plan = await step('plan', ['plan', '-detailed-exitcode', '-input=false', '-no-color', lock, ...vars], [0, 2]);
    return { name: stack.name, changed: plan.code === 2, outputs: {} };
  }
  // Plan and apply under ONE state lock. A saved plan applied later is not refused as stale when the
  // state did not exist at plan time, so two racing runs would both create everything (seen against
  // S3 with use_lockfile); `apply` without a plan file re-plans while it holds the lock.
  const apply = await step('apply', ['apply', '-auto-approve', '-input=false', '-no-color', lock, ...vars]);
  const outputs = await outputsOf(step);
  return { name: stack.name, changed: appliedChanges(apply.stdout), outputs };
}

/** Reads terraform's closing summary ("Apply complete! Resources: 1 added, 0 changed, 0 destroyed."). Pure. */
export function appliedChanges(stdout: string): boolean {
  const summary = /Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(stdout);
  return summary ? summary.slice(1).some((n) => Number(n) > 0) : !/No changes\./.test(stdout);
}

async function outputsOf(step: (name: string, args: string[]) => Promise<{ stdout: string }>): Promise<Record<string, unknown>> {
  const run = await step('output', ['output', '-json', '-no-color']);
  const parsed = JSON.parse(run.stdout || '{}') as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value]));
}

/** Outputs of an already-deployed stack (empty when it has no state yet). */
async function readOutputs(stack: ManifestStack, binary: string, options: DeployOptions, init: boolean): Promise<Record<string, unknown>> {
  const command: TerraformCommand = { binary, cwd: stack.workingDirectory, env: options.env, ...stopping(options) };
  if (init) await runTerraform(command, ['init', '-input=false', '-no-color']);
  const run = await runTerraform(command, ['output', '-json', '-no-color']);
  if (run.code !== 0) return {};
  try {
    const parsed = JSON.parse(run.stdout || '{}') as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value]));
  } catch {
    return {};
  }
}

/** The signal and grace period of a deploy, for each terraform it runs. Pure. */
function stopping(options: Pick<DeployOptions, 'signal' | 'stopGraceMs'>): Pick<TerraformCommand, 'signal' | 'stopGraceMs'> {
  return { ...(options.signal ? { signal: options.signal } : {}), ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}) };
}

function readStackFile(stack: ManifestStack): StackFile {
  return readJsonFile(
    join(stack.workingDirectory, 'cdk.tf.json'),
    (reason) => new DeployError('ERR_MANIFEST', `stack ${stack.name}: ${reason}; synthesize again`),
  ) as StackFile;
}

/** `-var` arguments: explicit values first, else same-named outputs of stacks deployed before. Pure. */
export function variableArgs(file: StackFile, known: Record<string, unknown>, explicit: Record<string, string>): string[] {
  const args: string[] = [];
  for (const name of Object.keys(file.variable ?? {})) {
    const value = explicit[name] ?? known[name];
    if (value !== undefined) args.push('-var', `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return args;
}

/** Refuses state on a runner's disk in CI, where it is lost after the job. */
export function checkBackend(stack: string, file: StackFile, options: Pick<DeployOptions, 'ci' | 'allowLocalBackend'>): void {
  const backend = Object.keys(file.terraform?.backend ?? { local: {} })[0];
  if (backend === 'local' && options.ci && !options.allowLocalBackend) {
    throw new DeployError(
      'ERR_LOCAL_BACKEND_IN_CI',
      `backend: got "local" for stack ${stack} in CI; expected a remote backend, since the runner's disk (and the state) is gone after this job — set backend to { "type": "s3", "bucket": "<state bucket>", "region": "<region>" } (locks with use_lockfile) or azurerm, or allow-local-backend: true for throw-away stacks`,
      '',
      { stackName: stack },
    );
  }
}
