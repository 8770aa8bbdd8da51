import {
  ATTACKS,
  CLASSIC_ATTACKS,
  HEADER_FORMS,
  attackerKeys,
  buildGateReport,
  renderGateMarkdown,
  verifyApiGate,
  type GateRun,
  type VerifyApiGateOptions,
} from '../../src/gate';
import { listen } from '../../src/local/server';
import { createTestIssuer, type TestIssuer } from './helpers/issuer';
import { startTestApi, type TestApi, type TestApiOptions } from './helpers/test-api';
import { virtualTime, type VirtualTime } from './helpers/virtual-time';

let issuer: TestIssuer;
let token: string;
const running: TestApi[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  token = await issuer.sign();
  // Made once per process (RSA generation): not inside the first test's deadline.
  await attackerKeys();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.close()));
});

async function api(options: Omit<TestApiOptions, 'issuer'> = {}): Promise<TestApi> {
  const started = await startTestApi({ issuer, ...options });
  running.push(started);
  return started;
}

/**
 * The gate on virtual time (helpers/virtual-time.ts): failing cases poll until the deadline by design,
 * which then costs no real time, and every time below (run.ms, timeToStableMs) is virtual, so exact
 * whatever the load. Requests still go over real HTTP, each with its real time-out (a fair share of
 * the 10 s deadline), far above what loopback needs.
 */
function gate(url: string, options: Partial<VerifyApiGateOptions> = {}, time: VirtualTime = virtualTime()): Promise<GateRun> {
  return verifyApiGate({
    apiUrl: url,
    paths: ['/orders'],
    token,
    timeoutMs: 10_000,
    intervalMs: 500,
    confirmDelayMs: 50,
    now: time.now,
    sleep: time.sleep,
    fetch: time.fetch,
    ...options,
  });
}

const codes = (run: GateRun): string[] => run.verdict.failures.map((f) => f.code);
const failedProbes = (run: GateRun): string[] => run.verdict.failures.map((f) => f.probe);

describe('gate against loopback APIs', () => {
  it('passes a correct API: anonymous 401, valid token 200, every attack 401, header forms reported', async () => {
    const { url, requests } = await api();
    const run = await gate(url);
    expect(run.verdict).toEqual({ pass: true, failures: [], warnings: [expect.stringContaining('other-audience')] });
    const auths = run.results.map((r) => r.auth).sort();
    const crafted = ATTACKS.filter((a) => a.code !== 'other-audience').map((a) => a.code);
    expect(auths).toEqual(['none', 'valid-token', ...crafted, ...HEADER_FORMS.map((f) => `valid-token-${f.form}`)].sort());
    for (const r of run.results) expect(r.attempts).toBe(2);
    // Virtual ms: the only waits were the 50 ms confirmations, not the 10 s deadline.
    expect(run.ms).toBeLessThan(1000);
    // The test API takes the raw token (like AWS) and refuses the other forms: reported, not failed.
    const forms = Object.fromEntries(run.results.filter((r) => r.role === 'informational').map((r) => [r.auth, r.actual]));
    expect(forms).toEqual({ 'valid-token-lowercase-bearer': 401, 'valid-token-double-space': 401, 'valid-token-raw-token': 200 });
    // The probes really sent what they claim to.
    expect(requests.filter((r) => r.authorization === `Bearer ${token}`)).toHaveLength(2);
    expect(requests.filter((r) => r.authorization === token)).toHaveLength(2);
    expect(requests.filter((r) => r.authorization === 'Bearer')).toHaveLength(2);
    expect(requests.filter((r) => r.authorization?.startsWith('Basic '))).toHaveLength(2);
    expect(run.timeToStableMs).toBeLessThan(1000);
  });

  it('fails an open API with ERR_GATE_OPEN_API and calls every forgery accepted', async () => {
    const { url } = await api({ flaw: 'open' });
    // Every probe at once: failing probes hold their slot until the deadline.
    const run = await gate(url, { concurrency: 64 });
    expect(run.verdict.pass).toBe(false);
    expect(run.verdict.failures.find((f) => f.probe === 'none GET /orders')).toMatchObject({
      code: 'ERR_GATE_OPEN_API',
      reason: expect.stringMatching(/answered 200 .*last answers: 200, 200/),
    });
    // Every attack but the other audience (no token source mints one here) and the oversized header,
    // which the API's front door refuses with 431 before its (missing) check, as API Gateway's does.
    expect(codes(run).filter((c) => c === 'ERR_GATE_ACCEPTS_FORGED')).toHaveLength(ATTACKS.length - 2);
    // Informational header forms are never failures.
    expect(failedProbes(run).some((p) => p.startsWith('valid-token-'))).toBe(false);
  });

  it('fails an API that ignores signatures (forged, tampered, HS256, alg none all accepted)', async () => {
    const { url } = await api({ flaw: 'ignores-signature' });
    const run = await gate(url, { attacks: CLASSIC_ATTACKS });
    expect(run.verdict.pass).toBe(false);
    expect(new Set(codes(run))).toEqual(new Set(['ERR_GATE_ACCEPTS_FORGED']));
    expect(failedProbes(run).sort()).toEqual(
      [
        'alg-none GET /orders',
        'forged-signature-known-kid GET /orders',
        'forged-signature-new-kid GET /orders',
        'hs256-attacker-secret GET /orders',
        'tampered-payload GET /orders',
      ].sort(),
    );
    expect(run.verdict.failures.find((f) => f.probe.startsWith('forged-signature-known-kid'))?.reason).toMatch(/signatures are not verified/);
  });

  it('fails an API that accepts an unknown kid without verifying it, and only on that probe', async () => {
    const { url } = await api({ flaw: 'trusts-unknown-kid' });
    const run = await gate(url, { attacks: CLASSIC_ATTACKS });
    expect(run.verdict.failures.map((f) => [f.probe, f.code])).toEqual([['forged-signature-new-kid GET /orders', 'ERR_GATE_ACCEPTS_FORGED']]);
  });

  it('fails an API that accepts alg none', async () => {
    const { url } = await api({ flaw: 'accepts-alg-none' });
    const run = await gate(url, { attacks: CLASSIC_ATTACKS });
    expect(run.verdict.failures.map((f) => [f.probe, f.code])).toEqual([['alg-none GET /orders', 'ERR_GATE_ACCEPTS_FORGED']]);
  });

  it('fails an API that accepts a genuine token for another audience', async () => {
    const { url } = await api({ flaw: 'ignores-audience' });
    const mintOtherAudienceToken = () => issuer.sign({ aud: 'https://graph.microsoft.com' });
    const run = await gate(url, { mintOtherAudienceToken });
    expect(run.verdict.failures.map((f) => [f.probe, f.code])).toEqual([['other-audience GET /orders', 'ERR_GATE_ACCEPTS_WRONG_AUDIENCE']]);
    expect(run.verdict.warnings).toEqual([]);
    // The same probe passes against an API that checks aud.
    const strict = await api();
    expect((await gate(strict.url, { mintOtherAudienceToken })).verdict).toEqual({ pass: true, failures: [], warnings: [] });
  });

  it('reports the other-audience probe as skipped when minting fails, without failing the gate', async () => {
    const { url } = await api();
    const run = await gate(url, { mintOtherAudienceToken: () => Promise.reject(new Error('AADSTS500011 for graph')) });
    expect(run.verdict.pass).toBe(true);
    expect(run.verdict.warnings).toEqual([expect.stringMatching(/other-audience GET \/orders not probed: could not mint .*AADSTS500011/)]);
  });

  it('fails when anonymous requests get 403, unless 403 is configured', async () => {
    const { url } = await api({ anonymous: { status: 403 } });
    const run = await gate(url, { negativeProbes: false });
    expect(run.verdict.failures.map((f) => [f.probe, f.code])).toEqual([['none GET /orders', 'ERR_GATE_UNEXPECTED_STATUS']]);
    expect(run.verdict.failures[0]?.fix).toMatch(/--expect-unauthenticated/);
    const configured = await gate(url, { negativeProbes: false, expectUnauthenticated: [401, 403] });
    expect(configured.verdict.pass).toBe(true);
  });

  it('fails when anonymous requests get 500, as a server error after retrying it', async () => {
    const { url } = await api({ anonymous: { status: 500 } });
    const run = await gate(url, { negativeProbes: false });
    const failure = run.verdict.failures[0];
    expect(failure).toMatchObject({ code: 'ERR_GATE_SERVER_ERROR', reason: expect.stringMatching(/last answers: 500, 500, 500/) });
    expect(run.results.find((r) => r.auth === 'none')!.attempts).toBeGreaterThanOrEqual(5);
  });

  it('does not follow a 302 to a login page and fails with ERR_GATE_REDIRECT', async () => {
    const { url, requests } = await api({ anonymous: { status: 302, headers: { location: 'https://login.example.com/signin' } } });
    const run = await gate(url, { negativeProbes: false });
    expect(run.verdict.failures[0]).toMatchObject({ code: 'ERR_GATE_REDIRECT', reason: expect.stringContaining('https://login.example.com/signin') });
    expect(requests.every((r) => r.path === '/orders')).toBe(true);
  });

  it('passes an API that becomes correct after a while, and says how long that took', async () => {
    const time = virtualTime();
    const { url } = await api({ openForMs: 700, now: time.now });
    const run = await gate(url, { timeoutMs: 4000, intervalMs: 150 }, time);
    expect(run.verdict.pass).toBe(true);
    expect(run.timeToStableMs).toBeGreaterThanOrEqual(700);
    expect(run.timeToStableMs).toBeLessThan(4000);
    const anonymous = run.results.find((r) => r.auth === 'none')!;
    expect(anonymous.attempts).toBeGreaterThan(2);
    expect(anonymous.lastAnswers.map((a) => a.status)).toEqual(expect.arrayContaining([200, 401]));
  });

  it('fails an API that stays wrong at the deadline, showing the last answers', async () => {
    const { url } = await api({ flaw: 'open' });
    const run = await gate(url, { timeoutMs: 1200, intervalMs: 100, negativeProbes: false });
    // It polled until the deadline (its last wait would have crossed it), every 100 ms.
    expect(run.ms).toBeGreaterThanOrEqual(1100);
    expect(run.results.find((r) => r.auth === 'none')!.attempts).toBe(12);
    expect(run.verdict.failures[0]?.reason).toMatch(/last answers: 200, 200, 200, 200, 200$/);
  });

  it('fails with ERR_GATE_TIMEOUT when nothing answers in time, or nothing listens', async () => {
    const silent = await listen(() => new Promise<void>(() => undefined));
    try {
      const run = await verifyApiGate({ apiUrl: silent.url, negativeProbes: false, timeoutMs: 700, requestTimeoutMs: 200, intervalMs: 50 });
      expect(run.verdict.failures[0]).toMatchObject({ code: 'ERR_GATE_TIMEOUT', reason: expect.stringMatching(/last answers: no answer within 200 ms/) });
    } finally {
      await silent.close();
    }
    const gone = await listen(() => undefined);
    await gone.close();
    const refused = await verifyApiGate({ apiUrl: gone.url, negativeProbes: false, timeoutMs: 500, intervalMs: 100 });
    expect(refused.verdict.failures[0]).toMatchObject({ code: 'ERR_GATE_TIMEOUT', reason: expect.stringMatching(/last answers: ECONNREFUSED/) });
  });

  it('gives every probe a fair share of the time: against an API that never answers, none is starved to 1 ms', async () => {
    const silent = await listen(() => new Promise<void>(() => undefined));
    try {
      // The classic attacks: 11 probes, 4 request slots, 1.5 s: each request may take a third of the time (3 rounds of 4).
      const run = await verifyApiGate({
        apiUrl: silent.url,
        paths: ['/orders'],
        token,
        timeoutMs: 1500,
        concurrency: 4,
        intervalMs: 50,
        attacks: CLASSIC_ATTACKS,
      });
      expect(run.results).toHaveLength(11);
      for (const r of run.results) {
        expect({ probe: r.name, attempts: r.attempts >= 1 }).toEqual({ probe: r.name, attempts: true });
        for (const a of r.lastAnswers)
          expect({ probe: r.name, waited: Number(/within (\d+) ms/.exec(a.error ?? '')?.[1]) >= 300 }).toEqual({ probe: r.name, waited: true });
      }
      for (const f of run.verdict.failures) expect(f.fix).toMatch(/--api-url is reachable/);
    } finally {
      await silent.close();
    }
  });

  it('reports a probe whose turn never came as "not sent: deadline", with a fix about time, not reachability', async () => {
    const { url } = await api();
    // A client that overruns its time-outs holds the only request slot past the deadline.
    const slowFetch: typeof fetch = async (input, init) => {
      await new Promise((r) => setTimeout(r, 700));
      return fetch(input, { ...init, signal: null });
    };
    // Real time here: the point is a client slower than the deadline.
    const run = await verifyApiGate({
      apiUrl: url,
      paths: ['/orders', '/health'],
      token,
      negativeProbes: false,
      concurrency: 1,
      timeoutMs: 1000,
      intervalMs: 100,
      confirmDelayMs: 10,
      fetch: slowFetch,
    });
    const notSent = run.results.filter((r) => r.attempts === 0);
    expect(notSent.length).toBeGreaterThanOrEqual(1);
    for (const r of notSent) {
      expect(r.lastAnswers.map((a) => a.error)).toEqual(['not sent: deadline']);
      expect(run.verdict.failures.find((f) => f.probe === r.name)).toMatchObject({
        code: 'ERR_GATE_TIMEOUT',
        reason: expect.stringMatching(/^not sent: deadline: the gate's time ran out/),
        fix: expect.stringMatching(/^allow more time \(--timeout-seconds\)/),
      });
    }
    expect(renderGateMarkdown(buildGateReport(run))).toContain('not sent: deadline');
  });

  // A request time-out of a minute and a deadline of two: only the signal can end this gate within
  // the test's own 10 s time-out (how soon it stops is measured in bench/, not asserted here).
  it('stops at once when its signal aborts (Ctrl-C), mid-request or between attempts', async () => {
    const silent = await listen(() => new Promise<void>(() => undefined));
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('interrupted')), 300);
      await expect(verifyApiGate({ apiUrl: silent.url, token, timeoutMs: 120_000, requestTimeoutMs: 60_000, signal: controller.signal })).rejects.toThrow(
        'interrupted',
      );
    } finally {
      await silent.close();
    }
  }, 10_000);

  it('refuses expectations that let a broken API pass, and plain http to a remote host, before sending anything', async () => {
    await expect(verifyApiGate({ apiUrl: 'https://api.example.invalid', expectUnauthenticated: [401, 302] })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      message: expect.stringMatching(/^--expect-unauthenticated: got "401,302"; expected refusal statuses only/),
    });
    await expect(verifyApiGate({ apiUrl: 'https://api.example.invalid', expectAuthenticated: [200, 403] })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      message: expect.stringMatching(/^--expect-authenticated: got "200,403"/),
    });
    await expect(verifyApiGate({ apiUrl: 'http://api.example.invalid' })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      message: expect.stringMatching(/--allow-insecure-http/),
    });
  });

  it('probes every listed path without a token and fails the one left open', async () => {
    const { url } = await api({ routes: ['/orders', '/health', '/admin'] });
    const leaky = await api({ flaw: 'open' });
    // Two servers stand in for two routes: /admin is served by the open one.
    const run = await gate(url, { paths: ['/orders', '/health'], negativeProbes: false });
    expect(run.verdict.pass).toBe(true);
    expect(run.results.filter((r) => r.auth === 'none').map((r) => r.path)).toEqual(['/orders', '/health']);
    const open = await gate(leaky.url, { paths: ['/orders', '/admin'], negativeProbes: false, token: undefined });
    expect(failedProbes(open)).toEqual(['none GET /orders', 'none GET /admin']);
  });

  it('fails a valid token refused with 401 (issuer mismatch) with issuer hints', async () => {
    const { url } = await api({ trustedIssuer: 'https://sts.windows.net/11111111-2222-3333-4444-555555555555/' });
    const run = await gate(url, { negativeProbes: false });
    const failure = run.verdict.failures[0]!;
    expect(failure.code).toBe('ERR_GATE_UNAUTHORIZED');
    expect(failure.reason).toContain('gateway said "the token is not valid"');
    expect(failure.reason).toContain(`iss ${issuer.issuer}`);
    expect(failure.fix).toMatch(/v1\/v2/);
    const sharper = await gate(url, { negativeProbes: false, expectedIssuer: 'https://sts.windows.net/11111111-2222-3333-4444-555555555555/' });
    expect(sharper.verdict.failures[0]).toMatchObject({ code: 'ERR_GATE_UNAUTHORIZED', claim: 'iss' });
  });

  it('fails a valid token refused with 403 with the roles-versus-scp hint', async () => {
    const { url } = await api({ requiredScope: 'Orders.Read' });
    const run = await gate(url, { negativeProbes: false });
    expect(run.verdict.failures[0]).toMatchObject({
      code: 'ERR_GATE_FORBIDDEN',
      claim: 'scp',
      reason: expect.stringContaining('roles [Gate.Probe] and no scp'),
    });
  });

  it('never puts the token in results, reports or markdown, even when the API echoes it', async () => {
    const canary = await issuer.sign({ canary: 'CANARY-7f3a' });
    const { url } = await api({ echoAuthorization: true, flaw: 'always-401' });
    const run = await gate(url, { token: canary });
    const signature = canary.split('.')[2]!;
    const text = JSON.stringify(run) + JSON.stringify(buildGateReport(run)) + renderGateMarkdown(buildGateReport(run));
    expect(text).not.toContain(canary);
    expect(text).not.toContain(signature);
    expect(run.verdict.pass).toBe(false);
  });

  it('refuses a caller-set Authorization header and a bad URL', async () => {
    await expect(verifyApiGate({ apiUrl: 'http://127.0.0.1:1', headers: { Authorization: 'x' } })).rejects.toThrow(TypeError);
    await expect(verifyApiGate({ apiUrl: 'not a url' })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      message: expect.stringMatching(/^--api-url: got "not a url"; expected/),
    });
  });
});
