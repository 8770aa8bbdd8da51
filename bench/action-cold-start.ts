/**
 * Cold start of the action bundle to its first input check, next to a bare `node -e 0` in the same run:
 * the bundle is started with an invalid input and timed from spawn to exit (it fails on that input,
 * writing its error line, its output file and its one-line job summary, as on a runner).
 * Also records the bundle's size. Writes bench/results/action-cold-start.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'bench-action-'));
  const out = join(dir, 'output');
  const summary = join(dir, 'summary');
  writeFileSync(out, '');
  writeFileSync(summary, '');
  const env = { PATH: process.env.PATH, HOME: dir, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, 'INPUT_TIMEOUT-SECONDS': '-5', INPUT_COMMAND: 'verify' };
  const bare: number[] = [];
  const action: number[] = [];
  time(['-e', '0'], env, 0);
  time([join(BUNDLE, 'index.js')], env, 1);
  // Interleaved, so machine noise hits both series alike.
  for (let i = 0; i < RUNS; i++) {
    bare.push(time(['-e', '0'], env, 0));
    action.push(time([join(BUNDLE, 'index.js')], env, 1));
  }
  const size = (file: string) => statSync(join(BUNDLE, file)).size;
  const result = {
    node: process.version,
    runs: RUNS,
    nodeBareMedianMs: Number(median(bare).toFixed(1)),
    actionToFirstInputCheckMedianMs: Number(median(action).toFixed(1)),
    ratio: Number((median(action) / median(bare)).toFixed(2)),
    targetRatio: TARGET_RATIO,
    bundleBytes: { 'index.js': size('index.js'), 'toolkit.js (loaded for the OIDC token)': size('toolkit.js'), 'gate.js (loaded to gate)': size('gate.js'), 'deploy-app.js (loaded only to deploy)': size('deploy-app.js') },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/action-cold-start.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  if (result.ratio > TARGET_RATIO) console.log(`over target: ${result.ratio}× > ${TARGET_RATIO}×`);
}

main();
