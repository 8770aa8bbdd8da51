/**
 * The offline rehearsal end to end, as a newcomer runs it: `entra-api-guard local` in a fresh process,
 * with the emulated gateway and (where terraform, moto_server and the provider mirror are present) with
 * real terraform against moto. Needs `npm run build` first (npm run bench does it).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findProviderMirror } from '../src/deploy/provider-mirror';
import { motoAvailable } from '../src/local/moto';
import { printTable, summarize, writeResults, type Summary } from './harness';

const ROOT = join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function spawnMs(args: string[], name: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PWD: ROOT } });
  if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr.slice(-500)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Runs the rehearsal and, interleaved with it, the `node -e 0` baseline: both see the same load on a
 * shared machine, so their ratio is what to quote.
 */
function measure(name: string, args: string[], runs: number): { row: Summary; baseline: Summary } {
  const local = () => ({ ms: spawnMs([join(ROOT, 'dist/src/cli/bin.js'), 'local', ...args], name), rssMb: NaN });
  const bare = () => ({ ms: spawnMs(['-e', '0'], 'node -e 0'), rssMb: NaN });
  local();
  bare();
  const rows: { ms: number; rssMb: number }[] = [];
  const baselines: { ms: number; rssMb: number }[] = [];
  for (let i = 0; i < runs; i += 1) {
    baselines.push(bare());
    rows.push(local());
  }
  return { row: summarize(name, rows), baseline: summarize('node -e 0', baselines) };
}

const emulate = measure('npm start --engine emulate', ['--engine', 'emulate'], RUNS);
const rows = [emulate.row];
// BENCH_ENGINES=emulate measures the emulated rehearsal alone (the terraform one takes minutes).
const terraform =
  process.env.BENCH_ENGINES !== 'emulate' &&
  spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0 &&
  motoAvailable() &&
  findProviderMirror(process.env) !== undefined;
if (terraform) rows.push(measure('npm start --engine terraform (moto)', ['--engine', 'terraform'], RUNS).row);
else console.warn('SKIPPING the terraform rehearsal benchmark: needs terraform, moto_server and the provider mirror');
printTable([...rows, emulate.baseline]);
const ratio = emulate.row.medianMs / emulate.baseline.medianMs;
console.log(`npm start --engine emulate: ${ratio.toFixed(1)}× node -e 0 (target ≤ 15×)`);
writeResults('rehearsal.json', {
  metric: 'rehearsal',
  targets: { emulateRatio: 15, terraformMs: 30000 },
  rows,
  baseline: emulate.baseline,
  emulateRatio: ratio,
});
