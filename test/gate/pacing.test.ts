// Pacing (issue [2] item 6): never more requests in flight than the stage's burst limit, below its rate
// limit, and 429 / Retry-After honoured within the deadline. The gate and the API share virtual time
// (helpers/virtual-time.ts): when each request started is read off the gate's own clock, so the bounds
// below are exact, whatever the load on the machine.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type RunningServer } from '../../src/local/server';
import { parseRetryAfter, stageThrottling, verifyApiGate } from '../../src/gate';
import { virtualTime, type VirtualTime } from './helpers/virtual-time';

interface Observed {
  readonly server: RunningServer;
  readonly starts: number[];
  maxInFlight: number;
}

/** An API that records when (on `time`) each request started and how many were in flight; `answer` picks the status. */
async function observedApi(time: VirtualTime, answer: (n: number) => { status: number; headers?: Record<string, string> }, delayMs = 15): Promise<Observed> {
  const observed: { starts: number[]; maxInFlight: number } = { starts: [], maxInFlight: 0 };
  let inFlight = 0;
  const server = await listen(async (_req: IncomingMessage, res: ServerResponse) => {
    const n = observed.starts.push(time.now());
    inFlight++;
    observed.maxInFlight = Math.max(observed.maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const { status, headers } = answer(n);
    inFlight--;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end('{"message":"Unauthorized"}');
  });
  return Object.assign(observed, { server });
}

/** The gate's clock, timer and client on `time`. */
const clockOf = (time: VirtualTime) => ({ now: time.now, sleep: time.sleep, fetch: time.fetch });

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('the gate paces itself under the stage throttling', () => {
  test('never more requests in flight than the burst limit, and no window busier than burst + rate × time (regression: the stage limits were ignored)', async () => {
    const time = virtualTime();
    const api = await observedApi(time, () => ({ status: 401 }));
    servers.push(api.server);
    const paths = Array.from({ length: 12 }, (_, i) => `/r${i}`);
    const run = await verifyApiGate({
      apiUrl: api.server.url,
      paths,
      negativeProbes: false,
      throttling: { burstLimit: 3, rateLimit: 40 },
      confirmDelayMs: 0,
      timeoutMs: 20_000,
      ...clockOf(time),
    });
    expect(run.verdict.pass).toBe(true);
    expect(api.starts.length).toBeGreaterThanOrEqual(24);
    expect(api.maxInFlight).toBeLessThanOrEqual(3);
    // The gate runs at 90 % of the rate limit, so any stretch of requests fits the token bucket.
    const rate = 40;
    for (let i = 0; i < api.starts.length; i++) {
      for (let j = i + 1; j < api.starts.length; j++) {
        const seconds = (api.starts[j]! - api.starts[i]!) / 1000;
        expect(j - i + 1).toBeLessThanOrEqual(3 + rate * seconds + 1);
      }
    }
  }, 30_000);

  test('a 429 holds every probe back for its Retry-After, then the gate passes (regression: 429 was a wrong answer, retried after the interval)', async () => {
    let throttledAt = 0;
    const time = virtualTime();
    const api = await observedApi(
      time,
      (n) => {
        if (n <= 2) {
          throttledAt = time.now();
          return { status: 429, headers: { 'retry-after': '1' } };
        }
        return { status: 401 };
      },
      0,
    );
    servers.push(api.server);
    const run = await verifyApiGate({
      apiUrl: api.server.url,
      paths: ['/a', '/b'],
      negativeProbes: false,
      intervalMs: 50,
      confirmDelayMs: 0,
      timeoutMs: 10_000,
      ...clockOf(time),
    });
    expect(run.verdict.pass).toBe(true);
    const after = api.starts.slice(2);
    expect(after.length).toBeGreaterThan(0);
    // Nothing was sent until the Retry-After had passed (counted from the last 429's answer).
    expect(Math.min(...after) - throttledAt).toBeGreaterThanOrEqual(1000);
  }, 20_000);

  test('429 until the deadline: ERR_GATE_THROTTLED with its fix, not a wrong status', async () => {
    const time = virtualTime();
    const api = await observedApi(time, () => ({ status: 429 }), 0);
    servers.push(api.server);
    const run = await verifyApiGate({ apiUrl: api.server.url, paths: ['/a'], negativeProbes: false, intervalMs: 100, timeoutMs: 1500, ...clockOf(time) });
    expect(run.verdict.failures.map((f) => f.code)).toEqual(['ERR_GATE_THROTTLED']);
    expect(run.verdict.failures[0]!.fix).toMatch(/raise the stage's burst and rate limits/);
  }, 20_000);

  test('a Retry-After longer than the deadline is not waited for', async () => {
    const time = virtualTime();
    const api = await observedApi(time, () => ({ status: 429, headers: { 'retry-after': '3600' } }), 0);
    servers.push(api.server);
    const run = await verifyApiGate({ apiUrl: api.server.url, paths: ['/a'], negativeProbes: false, timeoutMs: 1000, ...clockOf(time) });
    expect(run.verdict.failures.map((f) => f.code)).toEqual(['ERR_GATE_THROTTLED']);
    expect(api.starts).toHaveLength(1);
    // Returns by the deadline, without waiting the hour.
    expect(run.ms).toBeLessThanOrEqual(1000);
    expect(time.sleeps.filter((ms) => ms >= 3_600_000)).toEqual([]);
  }, 40_000);
});

describe('pure helpers', () => {
  test('Retry-After: delay-seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-04T10:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  test("the stage's throttling: its defaults, lowered by any route's own settings", () => {
    expect(
      stageThrottling({ stage: { name: '$default', throttling: { burstLimit: 50, rateLimit: 100 }, routeThrottling: { 'GET /slow': { rateLimit: 5 } } } }),
    ).toEqual({ burstLimit: 50, rateLimit: 5 });
    expect(stageThrottling({ stage: { name: '$default' } })).toBeUndefined();
    expect(stageThrottling({})).toBeUndefined();
  });
});
