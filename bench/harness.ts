import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Sample {
  readonly ms: number;
  readonly rssMb: number;
}

export interface Summary {
  readonly name: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly medianRssMb: number;
}

/**
 * Runs `node -e <script>` in a fresh process `runs` times after one warm-up, timing the whole process
 * (spawn to exit) and reading its peak RSS, which the child prints as its last line.
 */
export function measureNode(name: string, script: string, options: { runs?: number; cwd: string; env?: NodeJS.ProcessEnv }): Summary {
  const wrapped = `${script}\n;process.on('exit',()=>{process.stdout.write('\\n@@rss '+process.resourceUsage().maxRSS+'\\n')});`;
  const once = (): Sample => {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['-e', wrapped], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${name} failed (${result.status}): ${result.stderr.slice(-500)}`);
    const rss = /@@rss (\d+)/.exec(result.stdout);
    return { ms, rssMb: rss ? Number(rss[1]) / 1024 : NaN };
  };
  once();
  const samples = Array.from({ length: options.runs ?? 5 }, once);
  return summarize(name, samples);
}

export function summarize(name: string, samples: readonly Sample[]): Summary {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const rss = samples.map((s) => s.rssMb).sort((a, b) => a - b);
  return { name, runs: samples.length, medianMs: median(ms), minMs: ms[0]!, maxMs: ms[ms.length - 1]!, medianRssMb: median(rss) };
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function printTable(rows: readonly Summary[]): void {
  console.log('| benchmark | runs | median ms | min ms | max ms | median peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.runs} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.maxMs.toFixed(0)} | ${r.medianRssMb.toFixed(0)} |`);
  }
}

export function writeResults(file: string, data: unknown): void {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), `${JSON.stringify(data, null, 2)}\n`);
}
