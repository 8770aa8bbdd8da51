/**
 * Stop time: `entra-api-guard verify` probing a loopback API that takes every request and never answers
 * gets SIGINT or SIGTERM once its first request is in flight; we time the signal to the process's exit
 * (target ≤ 1 s, issue [1]). Baseline, interleaved in the same run: a bare node process that exits in its
 * own signal handler. Needs `npm run build` first (npm run bench does it).
 * Run: npx ts-node --transpile-only bench/stop-time.ts
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../src/local/server';
import { createTestIssuer } from '../test/gate/helpers/issuer';
import { summarize, writeResults, type Sample } from './harness';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist/src/cli/bin.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const TARGET_MS = 1000;
const SIGNALS = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const;

interface Stop {
  readonly ms: number;
  readonly code: number | null;
}

/** Starts `args`, sends `signal` once `ready()` holds, and times the signal to the exit. */
function stopOnce(args: readonly string[], env: NodeJS.ProcessEnv, signal: NodeJS.Signals, ready: () => boolean): Promise<Stop> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    let sent: bigint | undefined;
    const giveUp = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} was not ready or did not stop within 30 s`));
    }, 30_000);
    const poll = setInterval(() => {
      if (!ready()) return;
      clearInterval(poll);
      sent = process.hrtime.bigint();
      child.kill(signal);
    }, 5);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(giveUp);
      if (sent === undefined) reject(new Error(`${args.join(' ')} exited ${code} before the signal`));
      else resolve({ ms: Number(process.hrtime.bigint() - sent) / 1e6, code });
    });
  });
}

async function main(): Promise<void> {
  let requests = 0;
  const silent = await listen(() => {
    requests++;
    return new Promise<void>(() => undefined);
  });
  const token = await (await createTestIssuer()).sign();
  const env = { PATH: process.env.PATH ?? '', GATE_TOKEN: token };
  const verify = (signal: NodeJS.Signals): Promise<Stop> => {
    const before = requests;
    return stopOnce([BIN, 'verify', '--api-url', silent.url, '--token-env', 'GATE_TOKEN', '--timeout-seconds', '60'], env, signal, () => requests > before);
  };
  let bareRuns = 0;
  // The bare process says it is ready by writing a marker file; until then its handler may not be installed.
  const bare = (signal: NodeJS.Signals): Promise<Stop> => {
    const script = `for (const s of ['SIGINT','SIGTERM']) process.on(s, () => process.exit(s === 'SIGINT' ? 130 : 143)); require('fs').writeFileSync(process.argv[1], ''); setInterval(() => {}, 1000);`;
    const marker = join(tmpdir(), `stop-time-ready-${process.pid}-${++bareRuns}`);
    return stopOnce(['-e', script, marker], env, signal, () => existsSync(marker)).finally(() => rmSync(marker, { force: true }));
  };
  try {
    const rows: Record<string, { verify: Sample[]; bare: Sample[] }> = {};
    for (const [signal, code] of SIGNALS) {
      await verify(signal); // warm-up
      const row: (typeof rows)[string] = { verify: [], bare: [] };
      rows[signal] = row;
      for (let i = 0; i < RUNS; i++) {
        const b = await bare(signal);
        const v = await verify(signal);
        row.bare.push({ ms: b.ms, rssMb: NaN });
        row.verify.push({ ms: v.ms, rssMb: NaN });
        if (v.code !== code) throw new Error(`verify exited ${v.code} on ${signal}, expected ${code}`);
      }
    }
    const results = SIGNALS.map(([signal, code]) => {
      const row = rows[signal]!;
      const ours = summarize(`verify stop on ${signal}`, row.verify);
      const baseline = summarize(`bare node exiting in its ${signal} handler`, row.bare);
      console.log(
        `${signal}: verify stops in median ${ours.medianMs.toFixed(1)} ms (max ${ours.maxMs.toFixed(1)}), exit ${code}; bare node ${baseline.medianMs.toFixed(1)} ms; ${RUNS} runs`,
      );
      return { signal, exitCode: code, ...ours, baseline };
    });
    const worstMax = Math.max(...results.map((r) => r.maxMs));
    writeResults('stop-time.json', {
      metric: 'stop-time',
      targetMs: TARGET_MS,
      runs: RUNS,
      stage: 'probing a loopback API that never answers',
      signals: results,
      worstMaxMs: worstMax,
    });
  } finally {
    await silent.close();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
