import { buildGateReport, judgeGate, renderGateMarkdown, type ProbeResult } from '../../src/gate';

function probe(overrides: Partial<ProbeResult> & Pick<ProbeResult, 'role' | 'auth'>): ProbeResult {
  const status = overrides.actual;
  return {
    name: `${overrides.auth} GET /orders`,
    method: 'GET',
    path: '/orders',
    expected: overrides.role === 'authenticated' ? [200] : [401],
    outcome: 'wrong',
    stable: true,
    attempts: 3,
    ms: 900,
    lastAnswers:
      status === undefined
        ? [{ error: 'ECONNRESET', atMs: 0, durationMs: 1 }]
        : [
            { status, atMs: 0, durationMs: 1 },
            { status, atMs: 100, durationMs: 1 },
          ],
    ...overrides,
  };
}

describe('judgeGate (pure)', () => {
  it("fix texts name the settings as the caller spells them: CLI flags by default, the action's inputs when given", () => {
    const results = [
      probe({ role: 'anonymous', auth: 'none', outcome: 'unstable' }),
      probe({ role: 'anonymous', auth: 'none', actual: 404, name: 'none GET /missing' }),
      probe({ role: 'anonymous', auth: 'none', actual: 403, name: 'none GET /waf' }),
      probe({ role: 'authenticated', auth: 'valid-token', actual: 204 }),
      probe({ role: 'anonymous', auth: 'none', actual: 302, name: 'none GET /login' }),
    ];
    const cli = judgeGate({ results })
      .failures.map((f) => f.fix)
      .join('\n');
    for (const flag of ['--api-url', '--timeout-seconds', '--path', '--method', '--expect-unauthenticated', '--expect-authenticated'])
      expect(cli).toContain(flag);
    const names = {
      apiUrl: 'api-url',
      path: 'paths',
      method: 'method',
      timeout: 'timeout-seconds',
      expectUnauthenticated: 'expect-unauthenticated',
      expectAuthenticated: 'expect-authenticated',
      allowInsecureHttp: 'allow-insecure-http',
      apiId: 'api-id',
      stage: 'stage',
    };
    const action = judgeGate({ results, names })
      .failures.map((f) => f.fix)
      .join('\n');
    expect(action).not.toMatch(/--[a-z]/);
    for (const input of ['api-url', 'timeout-seconds', 'check paths, method', 'expect-unauthenticated', 'expect-authenticated'])
      expect(action).toContain(input);
  });

  it('403 for an app-only token without roles: assign a role', () => {
    const verdict = judgeGate({ results: [probe({ role: 'authenticated', auth: 'valid-token', actual: 403 })], tokenClaims: { iss: 'x', aud: 'y' } });
    expect(verdict.failures[0]).toMatchObject({ code: 'ERR_GATE_FORBIDDEN', claim: 'roles', fix: expect.stringMatching(/^assign one of the API's app roles/) });
  });

  it('403 for a delegated token names its scp', () => {
    const verdict = judgeGate({ results: [probe({ role: 'authenticated', auth: 'valid-token', actual: 403 })], tokenClaims: { scp: 'Orders.Read' } });
    expect(verdict.failures[0]?.reason).toMatch(/^refused the valid token with 403; its scp is "Orders.Read"/);
  });

  it('401 with an expired token says so (only given the time the token was sent)', () => {
    const results = [probe({ role: 'authenticated', auth: 'valid-token', actual: 401 })];
    expect(judgeGate({ results, tokenClaims: { iss: 'i', exp: 1000 }, nowMs: 2_000_000 }).failures[0]).toMatchObject({ claim: 'exp' });
    expect(judgeGate({ results, tokenClaims: { iss: 'i', exp: 1000 } }).failures[0]?.claim).toBeUndefined();
  });

  it('401 with an audience the authorizer does not list points at aud', () => {
    const verdict = judgeGate({
      results: [probe({ role: 'authenticated', auth: 'valid-token', actual: 401 })],
      tokenClaims: { iss: 'i', aud: 'api://orders' },
      expectedIssuer: 'i',
      expectedAudiences: ['guid'],
    });
    expect(verdict.failures[0]).toMatchObject({ code: 'ERR_GATE_UNAUTHORIZED', claim: 'aud' });
  });

  it('a forged token answered 403 counts as accepted; a malformed header answered 403 is only unexpected', () => {
    const verdict = judgeGate({
      results: [probe({ role: 'negative', auth: 'forged-signature-known-kid', actual: 403 }), probe({ role: 'negative', auth: 'basic-auth', actual: 403 })],
    });
    expect(verdict.failures.map((f) => f.code)).toEqual(['ERR_GATE_ACCEPTS_FORGED', 'ERR_GATE_UNEXPECTED_STATUS']);
  });

  it('unstable 5xx → server error; no answer → time-out; changing wrong answers say so; 404 names the route', () => {
    const verdict = judgeGate({
      results: [
        probe({ role: 'authenticated', auth: 'valid-token', outcome: 'unstable', actual: 502 }),
        probe({ role: 'anonymous', auth: 'none', outcome: 'unstable' }),
        probe({ role: 'anonymous', auth: 'none', actual: 200, stable: false }),
        probe({ role: 'anonymous', auth: 'none', actual: 404 }),
      ],
    });
    expect(verdict.failures.map((f) => f.code)).toEqual(['ERR_GATE_SERVER_ERROR', 'ERR_GATE_TIMEOUT', 'ERR_GATE_OPEN_API', 'ERR_GATE_UNEXPECTED_STATUS']);
    expect(verdict.failures[0]?.fix).toMatch(/integration failed/);
    expect(verdict.failures[1]?.reason).toBe('no answer of 401 within 0.9 s; last answers: ECONNRESET');
    expect(verdict.failures[2]?.reason).toMatch(/still changing at the deadline/);
    expect(verdict.failures[3]?.fix).toMatch(/^no route answers GET \/orders/);
  });

  it('no results cannot pass', () => {
    expect(judgeGate({ results: [] }).pass).toBe(false);
  });
});

describe('renderGateMarkdown', () => {
  it('renders a table row per probe, then failures and warnings, keeping pipes inside cells', () => {
    const results = [
      probe({ role: 'anonymous', auth: 'none', actual: 200 }),
      probe({ role: 'authenticated', auth: 'valid-token', outcome: 'pass', actual: 200 }),
    ];
    const verdict = judgeGate({ results, skipped: [{ name: 'other-audience GET /orders', auth: 'other-audience', reason: 'a|b' }] });
    const report = buildGateReport({
      apiUrl: 'https://api.example',
      startedAt: '2026-01-01T00:00:00.000Z',
      ms: 1234,
      timeToStableMs: 900,
      results,
      skipped: [],
      verdict,
    });
    const md = renderGateMarkdown(report);
    expect(md).toContain('### entra-api-guard gate: ❌ failed');
    // What the API answered sits in code spans (issue [5] item 4: API text never becomes Markdown).
    expect(md).toContain('| ❌ `none GET /orders` | `GET /orders` | none | 401 | `200` | 3 | 900 ms |');
    expect(md).toContain('| ✅ `valid-token GET /orders` | `GET /orders` | valid-token | 200 | `200` | 3 | 900 ms |');
    expect(md).toMatch(/- \*\*none GET \/orders\*\* `ERR_GATE_OPEN_API`: `answered 200/);
    expect(md).toContain('a\\|b');
  });
});
