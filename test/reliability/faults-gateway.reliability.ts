import { CLASSIC_ATTACKS, verifyApiGate, type GateRun, type VerifyApiGateOptions } from '../../src/gate';
import { startEntra } from '../../src/local/entra';
import { startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { acquireToken } from '../../src/token';
import { CALLER, CALLER_SECRET, ORDERS_API, TENANT, directoryFor } from '../local/idp/helpers';
import { firstRequests, requestsBetween, startFaultProxy, type FaultProxy } from './support/fault-proxy';
import { msSince, recordFigure } from './support/figures';
import { startJwksIssuer, type JwksBehaviour, type JwksIssuer } from './support/jwks-issuer';

/**
 * Faults between the gate and the API: a slow or dead JWKS behind the gateway emulator's JWT
 * authorizer (1500 ms per key fetch, as API Gateway [AWS-Q]), connection resets and 5xx bursts in
 * front of the API. Each test asserts the gate's verdict and that it came within a bounded time.
 */

const AUDIENCE = 'a7e3c1d2-5b4f-4e6a-9c8d-7f1e2d3c4b5a';
const figures: Record<string, unknown> = {};
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => {
  const f = figures as Record<string, { ms?: number; timeToStableMs?: number; faults?: number } | undefined>;
  recordFigure(
    'faults-gateway',
    figures,
    `gateway faults: JWKS 1250 ms → pass in ${f['jwks-slow-ok']?.ms} ms; JWKS 1800 ms → ERR_GATE_UNAUTHORIZED in ${f['jwks-slow-over']?.ms} ms; ` +
      `${f['api-resets']?.faults} resets → pass in ${f['api-resets']?.ms} ms; ${f['api-5xx-burst']?.faults}×503 mid-gate → pass in ${f['api-5xx-burst']?.ms} ms`,
  );
});

async function issuerWithGateway(jwks: JwksBehaviour): Promise<{ issuer: JwksIssuer; gateway: GatewayEmulator }> {
  const issuer = await startJwksIssuer(AUDIENCE, jwks);
  open.push(issuer);
  const gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: issuer.url, audiences: [AUDIENCE] }],
      routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }],
    },
  });
  open.push(gateway);
  return { issuer, gateway };
}

async function tracked<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const started = await server;
  open.push(started);
  return started;
}

/** The classic 12-probe gate (anonymous, valid, 9 forgeries, a genuine token for another audience): faults, not attacks, are under test. */
async function gate(apiUrl: string, issuer: JwksIssuer, options: Partial<VerifyApiGateOptions> = {}): Promise<GateRun> {
  return verifyApiGate({
    apiUrl,
    paths: ['/orders'],
    attacks: CLASSIC_ATTACKS,
    token: await issuer.tokens.sign(),
    mintOtherAudienceToken: () => issuer.tokens.sign({ aud: 'api://some-other-api' }),
    intervalMs: 100,
    timeoutMs: 5000,
    ...options,
  });
}

describe('slow and dead JWKS behind the JWT authorizer', () => {
  test('JWKS answering in 1250 ms (just under the 1500 ms limit): the gate passes, keys fetched once', async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok', delayMs: 1250 });
    const started = performance.now();
    const run = await gate(gateway.url, issuer);
    expect(run.verdict).toEqual({ pass: true, failures: [], warnings: [] });
    expect(run.results).toHaveLength(12);
    expect(issuer.jwksRequests).toBe(1);
    expect(run.timeToStableMs).toBeGreaterThanOrEqual(1250);
    figures['jwks-slow-ok'] = { ms: msSince(started), timeToStableMs: run.timeToStableMs, jwksRequests: issuer.jwksRequests };
  });

  // One answer per probe (the interval outlasts the deadline, and one answer counts): the verdict then
  // rests on the gateway's complete 401. With the default polling see the KNOWN BUG test below.
  test("JWKS answering in 1800 ms (over the limit): 401 for the valid token, ERR_GATE_UNAUTHORIZED with the gateway's reason, within the deadline", async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok', delayMs: 1800 });
    const started = performance.now();
    const run = await gate(gateway.url, issuer, { timeoutMs: 3500, intervalMs: 10_000, stableCount: 1 });
    const ms = msSince(started);
    expect(run.verdict.failures).toEqual([expect.objectContaining({ probe: 'valid-token GET /orders', code: 'ERR_GATE_UNAUTHORIZED' })]);
    expect(run.verdict.failures[0]!.reason).toMatch(
      /^refused the valid token with 401 \(gateway said "the signing keys could not be fetched: the JWKS did not answer within 1500 ms"\); the token is v2\.0 with iss http:\/\/127\.0\.0\.1:\d+ and aud [0-9a-f-]{36}; last answers: 401$/,
    );
    expect(run.verdict.failures[0]!.fix).toContain("could not get the issuer's signing keys");
    // Refusals (anonymous, forgeries) are still right: without keys nothing gets in.
    expect(run.results.filter((r) => r.role !== 'authenticated').every((r) => r.outcome === 'pass')).toBe(true);
    expect(ms).toBeLessThan(3500 + 2000);
    figures['jwks-slow-over'] = { ms, jwksRequests: issuer.jwksRequests };
  });

  // Regression: a probe keeps polling a wrong answer until the deadline, and its last attempt gets only the
  // time left (here ~0.8 s, less than the 1.5 s the gateway needs). That cut attempt used to decide the
  // outcome, turning two stable 401s into ERR_GATE_TIMEOUT; now the probe is judged on its real answers.
  test('a deadline-cut last attempt does not turn a stable 401 into ERR_GATE_TIMEOUT', async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok', delayMs: 1800 });
    const run = await gate(gateway.url, issuer, { timeoutMs: 2400, negativeProbes: false });
    expect(run.verdict.failures.map((f) => f.code)).toEqual(['ERR_GATE_UNAUTHORIZED']);
  });

  test.each([
    ['resets the connection', { kind: 'reset' }, 'the JWKS could not be fetched'],
    ['answers 503', { kind: 'status', status: 503 }, 'the JWKS answered HTTP 503'],
  ] as const)('dead JWKS (%s): ERR_GATE_UNAUTHORIZED naming the key fetch, within the deadline', async (_what, behaviour: JwksBehaviour, said) => {
    const { issuer, gateway } = await issuerWithGateway(behaviour);
    const started = performance.now();
    const run = await gate(gateway.url, issuer, { timeoutMs: 2000 });
    const ms = msSince(started);
    expect(run.verdict.failures.map((f) => [f.probe, f.code])).toEqual([['valid-token GET /orders', 'ERR_GATE_UNAUTHORIZED']]);
    expect(run.verdict.failures[0]!.reason).toContain(`(gateway said "the signing keys could not be fetched: ${said}")`);
    expect(ms).toBeLessThan(2000 + 2000);
    // Keys are fetched again on later requests: a dead JWKS is not cached.
    expect(issuer.jwksRequests).toBeGreaterThan(1);
  });

  test('a slow Entra (emulator latency 1700 ms on discovery and JWKS): ERR_GATE_UNAUTHORIZED; once Entra is quick again the same gateway passes', async () => {
    const entra = await tracked(startEntra({ directory: directoryFor('https://token.actions.githubusercontent.com') }));
    const tokenEndpoint = `${entra.url}/${TENANT}/oauth2/v2.0/token`;
    const acquired = await acquireToken({
      kind: 'client-secret',
      tokenEndpoint,
      clientId: CALLER.clientId,
      scope: `${ORDERS_API.uri}/.default`,
      clientSecret: CALLER_SECRET,
    });
    const gateway = await tracked(
      startGateway({
        definition: {
          authorizers: [{ id: 'entra', issuer: entra.issuers(TENANT).v2, audiences: [ORDERS_API.clientId] }],
          routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }],
        },
      }),
    );
    const options = { apiUrl: gateway.url, paths: ['/orders'], token: acquired.token, negativeProbes: false, intervalMs: 100 };
    entra.setFaults({ latencyMs: 1700 });
    const slow = await verifyApiGate({ ...options, timeoutMs: 2500, intervalMs: 10_000, stableCount: 1 });
    expect(slow.verdict.failures.map((f) => f.code)).toEqual(['ERR_GATE_UNAUTHORIZED']);
    expect(slow.verdict.failures[0]!.reason).toContain(
      '(gateway said "the signing keys could not be fetched: the discovery document did not answer within 1500 ms")',
    );
    entra.setFaults({ latencyMs: 0 });
    const quick = await verifyApiGate({ ...options, timeoutMs: 5000 });
    expect(quick.verdict.pass).toBe(true);
  });
});

describe('connection resets and 5xx bursts in front of the API', () => {
  test('the first 6 connections are reset: the gate polls through them and passes', async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok' });
    const proxy: FaultProxy = await tracked(startFaultProxy({ upstream: gateway.url, decide: firstRequests(6, { kind: 'reset' }) }));
    const started = performance.now();
    const run = await gate(proxy.url, issuer);
    expect(run.verdict).toEqual({ pass: true, failures: [], warnings: [] });
    expect(proxy.counts.faults).toBe(6);
    const sawReset = run.results.filter((r) => r.lastAnswers.some((a) => a.error !== undefined));
    expect(sawReset.length).toBeGreaterThan(0);
    figures['api-resets'] = { ms: msSince(started), faults: proxy.counts.faults, probesThatSawAReset: sawReset.length, requests: proxy.counts.requests };
  });

  test('every connection reset: ERR_GATE_TIMEOUT for every probe, at the deadline', async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok' });
    const proxy = await tracked(startFaultProxy({ upstream: gateway.url, decide: () => ({ kind: 'reset' }) }));
    const started = performance.now();
    // All 12 probes at once (see the KNOWN BUG below for the default concurrency of 8).
    const run = await gate(proxy.url, issuer, { timeoutMs: 1500, concurrency: 12 });
    expect(new Set(run.verdict.failures.map((f) => f.code))).toEqual(new Set(['ERR_GATE_TIMEOUT']));
    expect(run.verdict.failures).toHaveLength(12);
    expect(msSince(started)).toBeLessThan(1500 + 1000);
  });

  // Regression: each probe's deadline used to count from when that probe started, so with more probes than
  // `concurrency` (12 > 8) a gate against a dead API took about twice its time-out. One deadline now.
  test('with 12 probes and a concurrency of 8, a dead API does not keep the gate past its time-out', async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok' });
    const proxy = await tracked(startFaultProxy({ upstream: gateway.url, decide: () => ({ kind: 'reset' }) }));
    const run = await gate(proxy.url, issuer, { timeoutMs: 1500, concurrency: 8 });
    expect(run.verdict.failures).toHaveLength(12);
    expect(run.ms).toBeLessThan(1500 + 500);
  });

  test('API 503 burst in the middle of the gate (requests 4 to 20): retried, the gate passes', async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok' });
    const proxy = await tracked(startFaultProxy({ upstream: gateway.url, decide: requestsBetween(4, 20, { kind: 'status', status: 503 }) }));
    const started = performance.now();
    const run = await gate(proxy.url, issuer);
    expect(run.verdict).toEqual({ pass: true, failures: [], warnings: [] });
    expect(proxy.counts.faults).toBe(17);
    expect(run.results.some((r) => r.lastAnswers.some((a) => a.status === 503))).toBe(true);
    figures['api-5xx-burst'] = { ms: msSince(started), faults: proxy.counts.faults, requests: proxy.counts.requests };
  });

  test('API 502 forever: ERR_GATE_SERVER_ERROR, at the deadline', async () => {
    const { issuer, gateway } = await issuerWithGateway({ kind: 'ok' });
    const proxy = await tracked(startFaultProxy({ upstream: gateway.url, decide: () => ({ kind: 'status', status: 502 }) }));
    const started = performance.now();
    const run = await gate(proxy.url, issuer, { timeoutMs: 1500, concurrency: 12 });
    expect(new Set(run.verdict.failures.map((f) => f.code))).toEqual(new Set(['ERR_GATE_SERVER_ERROR']));
    expect(run.verdict.failures[0]!.reason).toMatch(/^answered 502 until the deadline \(\d+\.\d s\); last answers: 502(, 502)*$/);
    expect(msSince(started)).toBeLessThan(1500 + 1000);
  });
});
