/**
 * Cold start of both entry points to their first input check, next to a bare `node -e 0` in the same
 * run: the main action (action.yml) and the verify sub-action (verify/action.yml, which the runner
 * starts as verify/../action/dist/index.js). Each is set up as a runner sets up the step (every
 * default of its action.yml as INPUT_*) with one invalid input, and timed from spawn to exit (it fails
 * on that input, writing its error line, its output file and its one-line job summary, as on a runner).
 * Also records the bundle's size. Writes bench/results/action-cold-start.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareStep } from '../action/local-run';
import type { ActionName } from '../action/manifest';

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'action/dist');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const TARGET_RATIO = 1.2;

function time(args: string[], env: NodeJS.ProcessEnv, expectStatus: number): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== expectStatus) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** A step of `action` that fails on its first input check: the script the runner starts, and its environment. */
function failingStep(action: ActionName): { readonly dir: string; readonly args: string[]; readonly env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), `bench-action-${action}-`));
  const inputs: Record<string, string> = action === 'main' ? { command: 'verify', 'timeout-seconds': '-5' } : { 'timeout-seconds': '-5' };
  const step = prepareStep(ROOT, action, inputs, dir);
  return { dir, args: [step.entry], env: { PATH: process.env.PATH, HOME: dir, ...step.env } };
}

function main(): void {
  const mainStep = failingStep('main');
  const verifyStep = failingStep('verify');
  try {
    measure(mainStep, verifyStep);
  } finally {
    for (const { dir } of [mainStep, verifyStep]) rmSync(dir, { recursive: true, force: true });
  }
}

function measure(mainStep: ReturnType<typeof failingStep>, verifyStep: ReturnType<typeof failingStep>): void {
  const bare: number[] = [];
  const action: number[] = [];
  const subAction: number[] = [];
  time(['-e', '0'], mainStep.env, 0);
  time(mainStep.args, mainStep.env, 1);
  time(verifyStep.args, verifyStep.env, 1);
  // Interleaved, so machine noise hits every series alike.
  for (let i = 0; i < RUNS; i++) {
    bare.push(time(['-e', '0'], mainStep.env, 0));
    action.push(time(mainStep.args, mainStep.env, 1));
    subAction.push(time(verifyStep.args, verifyStep.env, 1));
  }
  const size = (file: string) => statSync(join(BUNDLE, file)).size;
  const result = {
    node: process.version,
    runs: RUNS,
    nodeBareMedianMs: Number(median(bare).toFixed(1)),
    actionToFirstInputCheckMedianMs: Number(median(action).toFixed(1)),
    ratio: Number((median(action) / median(bare)).toFixed(2)),
    verifyToFirstInputCheckMedianMs: Number(median(subAction).toFixed(1)),
    verifyRatio: Number((median(subAction) / median(bare)).toFixed(2)),
    targetRatio: TARGET_RATIO,
    bundleBytes: {
      'index.js': size('index.js'),
      'toolkit.js (loaded for the OIDC token)': size('toolkit.js'),
      'gate.js (loaded to gate)': size('gate.js'),
      'deploy-app.js (loaded only to deploy)': size('deploy-app.js'),
    },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/action-cold-start.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  for (const [name, ratio] of [
    ['main action', result.ratio],
    ['verify sub-action', result.verifyRatio],
  ] as const) {
    if (ratio > TARGET_RATIO) console.log(`${name} over target: ${ratio}× > ${TARGET_RATIO}×`);
  }
}

main();
