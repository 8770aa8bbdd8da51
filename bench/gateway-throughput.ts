/**
 * Throughput of the gateway emulator on loopback: authorized requests/s (JWT verified on every
 * request, ECHO integration) next to a bare node:http server and raw jose verifications/s, all in
 * the same run. Bounded: each phase runs for PHASE_MS. Run with:
 *   npx ts-node --transpile-only bench/gateway-throughput.ts
 * Writes bench/results/gateway-throughput.json.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { compactVerify, exportJWK, importJWK, SignJWT, type JWK } from 'jose';
import { startGateway } from '../src/local/gateway';
import { listen, sendJson } from '../src/local/server';

const PHASE_MS = 2000;
/** Bare and gateway phases alternate this many times and the best of each counts (shared, noisy machines). */
const ROUNDS = 2;
const CONCURRENCY = 32;
const AUDIENCE = 'bench-api';

async function main(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', use: 'sig', alg: 'RS256' };
  const issuerServer = await listen((req, res) => {
    if (req.url === '/t/v2.0/.well-known/openid-configuration')
      return sendJson(res, 200, { issuer: `${issuerServer.url}/t/v2.0`, jwks_uri: `${issuerServer.url}/t/keys` });
    if (req.url === '/t/keys') return sendJson(res, 200, { keys: [jwk] });
    return sendJson(res, 404, {});
  });
  const issuer = `${issuerServer.url}/t/v2.0`;
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ iss: issuer, aud: AUDIENCE, sub: 'bench', iat: now, nbf: now, exp: now + 3600 })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .sign(privateKey);

  const gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'a', issuer, audiences: [AUDIENCE] }],
      routes: [{ routeKey: 'GET /hello', authorizationType: 'JWT', authorizerId: 'a' }],
    },
    accessLogLimit: 10,
  });
  const bare = await listen((_req, res) =>
    sendJson(res, 200, { routeKey: 'GET /hello', path: '/hello', pathParameters: {}, claims: { sub: 'bench' }, scopes: null }),
  );

  try {
    const headers = { authorization: `Bearer ${token}` };
    // Warm-up: fetches the keys once and opens the connections.
    await load(gateway.url, headers, 300);
    await load(bare.url, headers, 300);
    let bareResult: LoadResult | undefined;
    let gatewayResult: LoadResult | undefined;
    for (let round = 0; round < ROUNDS; round += 1) {
      const bareRun = await load(bare.url, headers, PHASE_MS);
      const gatewayRun = await load(gateway.url, headers, PHASE_MS);
      if (gatewayRun.non2xx > 0) throw new Error(`the gateway refused ${gatewayRun.non2xx} authorized requests`);
      if (!bareResult || bareRun.requestsPerSecond > bareResult.requestsPerSecond) bareResult = bareRun;
      if (!gatewayResult || gatewayRun.requestsPerSecond > gatewayResult.requestsPerSecond) gatewayResult = gatewayRun;
    }
    if (!bareResult || !gatewayResult) throw new Error('no rounds ran');

    const verifies = await joseVerifications(token, jwk, PHASE_MS);
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      phaseMs: PHASE_MS,
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
      bareServer: bareResult,
      gateway: gatewayResult,
      joseVerificationsPerSecond: verifies,
      gatewayToBareRatio: Number((gatewayResult.requestsPerSecond / bareResult.requestsPerSecond).toFixed(3)),
      target: 0.5,
    };
    console.table({
      'bare node:http': { 'req/s': bareResult.requestsPerSecond, 'p50 ms': bareResult.p50Ms, 'p99 ms': bareResult.p99Ms },
      'gateway (JWT + ECHO)': { 'req/s': gatewayResult.requestsPerSecond, 'p50 ms': gatewayResult.p50Ms, 'p99 ms': gatewayResult.p99Ms },
      'jose compactVerify': { 'req/s': verifies, 'p50 ms': '-', 'p99 ms': '-' },
    });
    console.log(`gateway / bare = ${results.gatewayToBareRatio} (target ≥ ${results.target})`);
    const out = join(__dirname, 'results', 'gateway-throughput.json');
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    await Promise.all([gateway.close(), bare.close(), issuerServer.close()]);
  }
}

interface LoadResult {
  readonly requests: number;
  readonly non2xx: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** CONCURRENCY keep-alive clients, each sending GET /hello back to back for `durationMs`. */
async function load(baseUrl: string, headers: Record<string, string>, durationMs: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL('/hello', baseUrl);
  const latencies: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  const stopAt = started + durationMs;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const sent = performance.now();
      const req = request(url, { agent, headers }, (res) => {
        if ((res.statusCode ?? 0) >= 300) non2xx += 1;
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - sent);
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < stopAt) await one();
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0).toFixed(2));
  return { requests: latencies.length, non2xx, requestsPerSecond: Math.round((latencies.length * 1000) / elapsed), p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Raw signature verifications per second with the same key and token. */
async function joseVerifications(token: string, jwk: JWK, durationMs: number): Promise<number> {
  const key = await importJWK(jwk, 'RS256');
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    await compactVerify(token, key, { algorithms: ['RS256'] });
    count += 1;
  }
  return Math.round((count * 1000) / (performance.now() - started));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
