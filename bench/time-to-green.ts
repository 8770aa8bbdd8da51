/**
 * Time to green: an API that is still deploying (answers 503, then 200 to everyone — the "open" window of
 * an auto-deploying stage — then correctly) becomes right after `becomesCorrectMs`. We measure how long
 * the gate takes from that moment to a stable pass. Run: npx ts-node --transpile-only bench/time-to-green.ts
 */
import { verifyApiGate } from '../src/gate';
import { listen } from '../src/local/server';
import { createTestIssuer } from '../test/gate/helpers/issuer';
import { startTestApi } from '../test/gate/helpers/test-api';
import { summarize, writeResults } from './harness';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BECOMES_CORRECT_MS = 2000;

async function once(issuer: Awaited<ReturnType<typeof createTestIssuer>>, correctUrl: string, token: string): Promise<{ ms: number; pass: boolean }> {
  const started = Date.now();
  const front = await listen(async (req, res) => {
    const age = Date.now() - started;
    if (age < BECOMES_CORRECT_MS / 2) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"Service Unavailable"}');
      return;
    }
    if (age < BECOMES_CORRECT_MS) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"open"}');
      return;
    }
    const answer = await fetch(`${correctUrl}${req.url ?? '/'}`, { headers: req.headers.authorization ? { authorization: req.headers.authorization } : {} });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
  });
  try {
    const run = await verifyApiGate({ apiUrl: front.url, paths: ['/orders'], token, timeoutMs: 30_000, intervalMs: 250 });
    return { ms: Date.now() - started - BECOMES_CORRECT_MS, pass: run.verdict.pass };
  } finally {
    await front.close();
    void issuer;
  }
}

async function main(): Promise<void> {
  const issuer = await createTestIssuer();
  const api = await startTestApi({ issuer });
  try {
    const token = await issuer.sign();
    const warm = await once(issuer, api.url, token);
    if (!warm.pass) throw new Error('the gate did not pass once the API became correct');
    const samples = [];
    for (let i = 0; i < RUNS; i++) samples.push(await once(issuer, api.url, token));
    const summary = summarize(
      'time to green after the API becomes correct',
      samples.map((s) => ({ ms: s.ms, rssMb: NaN })),
    );
    console.log(
      `time to green: median ${summary.medianMs.toFixed(0)} ms after the API became correct (min ${summary.minMs.toFixed(0)}, max ${summary.maxMs.toFixed(0)}; poll interval 250 ms)`,
    );
    writeResults('time-to-green.json', {
      metric: 'time-to-green',
      becomesCorrectMs: BECOMES_CORRECT_MS,
      intervalMs: 250,
      allPassed: samples.every((s) => s.pass),
      ...summary,
    });
  } finally {
    await api.close();
  }
}

void main();
