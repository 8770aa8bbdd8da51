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

function measure(name: string, args: string[], runs: number): Summary {
  const once = () => {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/bin.js'), 'local', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PWD: ROOT } });
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr.slice(-500)}`);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, rssMb: NaN };
  };
  once();
  return summarize(name, Array.from({ length: runs }, once));
}

const rows = [measure('npm start --engine emulate', ['--engine', 'emulate'], RUNS)];
const terraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0 && motoAvailable() && findProviderMirror(process.env) !== undefined;
if (terraform) rows.push(measure('npm start --engine terraform (moto)', ['--engine', 'terraform'], RUNS));
else console.warn('SKIPPING the terraform rehearsal benchmark: needs terraform, moto_server and the provider mirror');
printTable(rows);
writeResults('rehearsal.json', { metric: 'rehearsal', targets: { emulateMs: 5000, terraformMs: 30000 }, rows });
