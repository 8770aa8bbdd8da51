import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { buildSync } from 'esbuild';
import { SignJWT, generateKeyPair } from 'jose';
import { recordFigure } from './support/figures';
import { startJwksIssuer, type JwksIssuer } from './support/jwks-issuer';

/**
 * A bounded soak of the gateway emulator on loopback: 20 s or 200k requests, whichever comes first
 * (this machine does ~10k/s, so 100k would end the soak after ~10 s: too short to call memory flat),
 * over keep-alive connections, mixing valid tokens, forgeries and no token. The gateway runs alone in a
 * child process that samples its own memory every second. Passes with zero unexpected answers or
 * errors, and memory flat: after a warm-up, the last quarter's median RSS and heap within +20 MB of
 * the first quarter's.
 */

const DURATION_MS = 20_000;
const MAX_REQUESTS = 200_000;
const CONCURRENCY = 32;
const WARM_UP_MS = 2000;
const FLAT_BYTES = 20 * 1024 * 1024;
const AUDIENCE = 'f00dfeed-0000-4000-8000-00000000beef';
const MB = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface Kind {
  readonly name: string;
  readonly path: string;
  readonly expect: number;
  /** Authorization headers to rotate through; empty for none. */
  readonly headers: readonly string[];
}

interface MemorySample {
  readonly atMs: number;
  readonly rss: number;
  readonly heapUsed: number;
}

let issuer: JwksIssuer;
let child: ChildProcess | undefined;
let bundleDir: string;

beforeAll(async () => {
  issuer = await startJwksIssuer(AUDIENCE);
  bundleDir = mkdtempSync(join(tmpdir(), 'reliability-soak-'));
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await issuer?.close();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

async function kinds(): Promise<Kind[]> {
  const valid = await Promise.all(Array.from({ length: 20 }, (_, i) => issuer.tokens.sign({ sub: `caller-${i}` })));
  const attacker = (await generateKeyPair('RS256')).privateKey;
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer.url, aud: AUDIENCE, sub: 'mallory', iat: now, nbf: now, exp: now + 3600 };
  const forgedKnownKid = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: issuer.tokens.kid }).sign(attacker);
  const forgedNewKid = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'attacker-kid' }).sign(attacker);
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  const expired = await issuer.tokens.sign({}, { expiresInSeconds: -120 });
  const otherAudience = await issuer.tokens.sign({ aud: 'api://another-api' });
  const bearer = (tokens: readonly string[]): string[] => tokens.map((t) => `Bearer ${t}`);
  return [
    { name: 'valid token', path: '/orders', expect: 200, headers: bearer(valid) },
    { name: 'forged signature, known kid', path: '/orders', expect: 401, headers: bearer([forgedKnownKid]) },
    { name: 'forged signature, new kid', path: '/orders', expect: 401, headers: bearer([forgedNewKid]) },
    { name: 'alg none', path: '/orders', expect: 401, headers: bearer([algNone]) },
    { name: 'expired', path: '/orders', expect: 401, headers: bearer([expired]) },
    { name: 'other audience', path: '/orders', expect: 401, headers: bearer([otherAudience]) },
    { name: 'garbage bearer', path: '/orders', expect: 401, headers: ['Bearer not-a-jwt'] },
    { name: 'no token', path: '/orders', expect: 401, headers: [] },
    { name: 'public route', path: '/health', expect: 200, headers: [] },
  ];
}

/** Starts the bundled gateway child; resolves with its URL and the memory samples it keeps sending. */
async function startChild(): Promise<{ url: string; samples: MemorySample[]; stop(): Promise<void> }> {
  const entry = join(__dirname, 'support/soak-gateway.ts');
  const outfile = join(bundleDir, 'soak-gateway.js');
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, logLevel: 'warning' });
  const started = fork(outfile, [], {
    env: { PATH: process.env.PATH, SOAK_ISSUER: issuer.url, SOAK_AUDIENCE: AUDIENCE },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child = started;
  const samples: MemorySample[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the soak gateway did not start within 15 s')), 15_000);
    started.on('message', (message: { type: string; url?: string } & MemorySample) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.url!);
      } else if (message.type === 'memory') samples.push({ atMs: message.atMs, rss: message.rss, heapUsed: message.heapUsed });
    });
    started.once('exit', (code) => reject(new Error(`the soak gateway exited early with code ${code}`)));
  });
  return {
    url,
    samples,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => started.kill('SIGKILL'), 5000);
        started.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        started.send('stop');
      }),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

test('20 s / 200k requests of mixed traffic over keep-alive: zero unexpected answers, memory flat', async () => {
  const mix = await kinds();
  // Valid tokens weigh 4, no token 2, the rest 1 each: 14 slots, most requests verify a signature.
  const schedule = mix.flatMap((kind) => Array<Kind>(kind.name === 'valid token' ? 4 : kind.name === 'no token' ? 2 : 1).fill(kind));
  const gateway = await startChild();
  const target = new URL(gateway.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const sockets = new Set<Socket>();
  const perKind = new Map(mix.map((k) => [k.name, { requests: 0, unexpected: 0 }]));
  const unexpected: string[] = [];
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;

  const send = (kind: Kind, authorization: string | undefined): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, path: kind.path, method: 'GET', agent, headers: authorization ? { authorization } : {} },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('socket', (socket: Socket) => sockets.add(socket));
      req.setTimeout(5000, () => req.destroy(new Error('no answer within 5000 ms')));
      req.on('error', reject);
      req.end();
    });

  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < MAX_REQUESTS && performance.now() - started < DURATION_MS) {
      const n = sent++;
      const kind = schedule[n % schedule.length]!;
      const authorization = kind.headers.length > 0 ? kind.headers[n % kind.headers.length] : undefined;
      const at = performance.now();
      try {
        const status = await send(kind, authorization);
        latencies.push(performance.now() - at);
        const counts = perKind.get(kind.name)!;
        counts.requests += 1;
        if (status !== kind.expect) {
          counts.unexpected += 1;
          if (unexpected.length < 5) unexpected.push(`${kind.name}: ${status} (expected ${kind.expect})`);
        }
      } catch (error) {
        errors += 1;
        if (unexpected.length < 5) unexpected.push(`${kind.name}: ${(error as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  const ms = performance.now() - started;
  // One last sample after the load, then stop the child.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await gateway.stop();
  child = undefined;

  const total = [...perKind.values()].reduce((a, k) => a + k.requests, 0);
  const unexpectedCount = [...perKind.values()].reduce((a, k) => a + k.unexpected, 0);
  const steady = gateway.samples.filter((s) => s.atMs >= WARM_UP_MS);
  const quarter = Math.max(1, Math.floor(steady.length / 4));
  const first = steady.slice(0, quarter);
  const last = steady.slice(-quarter);
  const rss = { first: median(first.map((s) => s.rss)), last: median(last.map((s) => s.rss)), peak: Math.max(...gateway.samples.map((s) => s.rss)) };
  const heap = { first: median(first.map((s) => s.heapUsed)), last: median(last.map((s) => s.heapUsed)) };
  const sortedLatency = [...latencies].sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((sortedLatency[Math.min(sortedLatency.length - 1, Math.floor(p * sortedLatency.length))] ?? 0) * 100) / 100;
  const figures = {
    durationMs: Math.round(ms),
    requests: total,
    requestsPerSecond: Math.round(total / (ms / 1000)),
    concurrency: CONCURRENCY,
    connections: sockets.size,
    unexpected: unexpectedCount,
    errors,
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
    memorySamples: gateway.samples.length,
    rssMB: { firstQuarterMedian: MB(rss.first), lastQuarterMedian: MB(rss.last), growth: MB(rss.last - rss.first), peak: MB(rss.peak) },
    heapUsedMB: { firstQuarterMedian: MB(heap.first), lastQuarterMedian: MB(heap.last), growth: MB(heap.last - heap.first) },
    perKind: Object.fromEntries(perKind),
    memory: gateway.samples.map((s) => ({ atMs: s.atMs, rssMB: MB(s.rss), heapUsedMB: MB(s.heapUsed) })),
  };
  const line =
    `soak: ${total} requests in ${(ms / 1000).toFixed(1)} s (${figures.requestsPerSecond}/s, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms) over ${sockets.size} connections, ` +
    `${unexpectedCount} unexpected, ${errors} errors; RSS median ${figures.rssMB.firstQuarterMedian} → ${figures.rssMB.lastQuarterMedian} MB (${figures.rssMB.growth >= 0 ? '+' : ''}${figures.rssMB.growth}), ` +
    `heap ${figures.heapUsedMB.firstQuarterMedian} → ${figures.heapUsedMB.lastQuarterMedian} MB (${figures.heapUsedMB.growth >= 0 ? '+' : ''}${figures.heapUsedMB.growth})`;
  recordFigure('soak', figures, line);
  console.log(line);

  expect(unexpected).toEqual([]);
  expect({ unexpected: unexpectedCount, errors }).toEqual({ unexpected: 0, errors: 0 });
  // It really ran: every kind was sent, over reused connections, for the whole window or the full count.
  expect(total >= MAX_REQUESTS || ms >= DURATION_MS).toBe(true);
  expect(total).toBeGreaterThan(10_000);
  for (const [name, counts] of perKind) expect({ name, sent: counts.requests > 0 }).toEqual({ name, sent: true });
  expect(sockets.size).toBeLessThanOrEqual(CONCURRENCY * 2);
  // Keys were fetched at start-up, and at most once more for the unknown kid (one refetch per minute).
  expect(issuer.jwksRequests).toBeLessThanOrEqual(2);
  expect(steady.length).toBeGreaterThanOrEqual(4);
  expect(rss.last - rss.first).toBeLessThan(FLAT_BYTES);
  expect(heap.last - heap.first).toBeLessThan(FLAT_BYTES);
}, 90_000);
