// Issue [5] item 3: gate failures and audit findings as SARIF 2.1.0, checked against the official schema
// (shipped in @microsoft/jest-sarif, read from node_modules) with ajv, plus what GitHub code scanning
// needs on top of the schema: a physical location with a relative path and a line on every result.
import type { Log, Result } from 'sarif';
import {
  attackerKeys,
  buildGateReport,
  lineNaming,
  reportFindings,
  toSarif,
  verifyApiGate,
  workflowFileOf,
  type Finding,
  type GateReport,
} from '../../src/gate';
import { sarifValidity, validateSarif as validate } from '../support/sarif-schema';
import { createTestIssuer, type TestIssuer } from './helpers/issuer';
import { startTestApi, type Flaw, type TestApi } from './helpers/test-api';
import { virtualTime } from './helpers/virtual-time';

function expectValidSarif(log: unknown): void {
  expect(sarifValidity(log)).toEqual({ valid: true, errors: null });
}

let issuer: TestIssuer;
const running: TestApi[] = [];
beforeAll(async () => {
  issuer = await createTestIssuer();
  await attackerKeys();
});
afterAll(async () => {
  await Promise.all(running.map((api) => api.close()));
});

/** A real gate run against a loopback API with one flaw, on virtual time (no real deadline to miss on a loaded machine). */
async function gateReport(flaw?: Flaw): Promise<GateReport> {
  const api = await startTestApi({ issuer, ...(flaw ? { flaw } : {}) });
  running.push(api);
  const { now, sleep, fetch } = virtualTime();
  const run = await verifyApiGate({
    apiUrl: api.url,
    paths: ['/orders'],
    token: await issuer.sign(),
    timeoutMs: 10_000,
    intervalMs: 1000,
    confirmDelayMs: 10,
    concurrency: 64,
    now,
    sleep,
    fetch,
  });
  return buildGateReport(run);
}

const CONFIG = [
  '{',
  '  "context": {',
  '    "entraApiGuard": {',
  '      "routes": [',
  '        { "routeKey": "GET /health", "public": true },',
  '        { "routeKey": "GET /orders" }',
  '      ]',
  '    }',
  '  }',
  '}',
].join('\n');

describe('SARIF 2.1.0 from gate reports', () => {
  test('the schema check can fail: a log with the wrong version or a result without a message is refused', () => {
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'A' }] }] })).toBe(false);
  });

  test("an API that accepts alg:none: valid SARIF; rule ids are the codes, each rule's help is the fix; results point to the config line and the route key", async () => {
    const report = await gateReport('accepts-alg-none');
    expect(report.pass).toBe(false);
    const log = toSarif(reportFindings(report), { configFile: { uri: 'cdktf.json', text: CONFIG } });
    expectValidSarif(log);
    const run = log.runs[0]!;
    const rules = run.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual([...new Set(report.failures.map((f) => f.code))]);
    const forged = rules.find((r) => r.id === 'ERR_GATE_ACCEPTS_FORGED')!;
    expect(forged.help?.text).toBe(report.failures.find((f) => f.code === 'ERR_GATE_ACCEPTS_FORGED')!.fix);
    expect(forged.shortDescription?.text).toBe('The API accepts a forged, tampered, unsigned or expired token');
    expect(forged.properties).toMatchObject({ tags: ['security', 'entra-api-guard'], 'security-severity': '9.1' });
    const results = run.results!;
    expect(results).toHaveLength(report.failures.length);
    const algNone = results.find((r) => r.properties?.['probe'] === 'alg-none GET /orders')!;
    expect(algNone).toMatchObject({ ruleId: 'ERR_GATE_ACCEPTS_FORGED', level: 'error' });
    expect(rules[algNone.ruleIndex!]!.id).toBe(algNone.ruleId);
    expect(algNone.locations).toEqual([
      {
        physicalLocation: { artifactLocation: { uri: 'cdktf.json', uriBaseId: '%SRCROOT%' }, region: { startLine: 6 } },
        logicalLocations: [{ name: 'GET /orders', fullyQualifiedName: 'routes/GET /orders', kind: 'resource' }],
      },
    ]);
    expect(algNone.message.text).toMatch(/^alg-none GET \/orders: answered 200.*\. Fix: /);
  }, 30_000);

  test('a passing gate is a valid log with no results (so code scanning closes earlier alerts)', async () => {
    const report = await gateReport();
    expect(report.pass).toBe(true);
    const log = toSarif(reportFindings(report), { configFile: { uri: '.github/workflows/gate.yml' } });
    expectValidSarif(log);
    expect(log.runs[0]!.results).toEqual([]);
  }, 30_000);

  test('what code scanning needs beyond the schema: a relative path and a line on every result, distinct fingerprints per probe', async () => {
    const report = await gateReport('open');
    const results = toSarif(reportFindings(report), { configFile: { uri: 'infra/guard.json' } }).runs[0]!.results!;
    expect(results.length).toBeGreaterThan(5);
    for (const r of results as Result[]) {
      const physical = r.locations?.[0]?.physicalLocation;
      expect(physical?.artifactLocation?.uri).toBe('infra/guard.json');
      expect(physical?.region?.startLine).toBeGreaterThanOrEqual(1);
    }
    const hashes = results.map((r) => r.partialFingerprints?.['primaryLocationLineHash']);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{16}:1$/);
    expect(new Set(hashes).size).toBe(results.length);
  }, 30_000);

  test('audit findings (warnings, authorizers, no route) and text an API chose: valid, brackets cannot become SARIF links', () => {
    const findings: Finding[] = [
      {
        code: 'AUDIT_ROUTE_WITHOUT_AUTHORIZER',
        severity: 'failure',
        message: 'route GET /admin has no authorizer',
        fix: 'attach the JWT authorizer',
        routeKey: 'GET /admin',
      },
      { code: 'AUDIT_ISSUER_TRAILING_SLASH', severity: 'warning', message: 'issuer ends with a slash', fix: 'drop the slash', authorizer: 'entra' },
      {
        code: 'ERR_GATE_REDIRECT',
        severity: 'failure',
        message: 'answered 302 redirect to [click](https://evil.invalid)',
        fix: 'point api-url at the stage',
        probe: 'none GET /',
        routeKey: 'GET /',
      },
    ];
    const log: Log = toSarif(findings, { titles: { AUDIT_ROUTE_WITHOUT_AUTHORIZER: 'A route has no authorizer' } });
    expectValidSarif(log);
    const [route, issuerRule] = log.runs[0]!.tool.driver.rules!;
    expect(route).toMatchObject({
      id: 'AUDIT_ROUTE_WITHOUT_AUTHORIZER',
      shortDescription: { text: 'A route has no authorizer' },
      defaultConfiguration: { level: 'error' },
    });
    expect(issuerRule).toMatchObject({ id: 'AUDIT_ISSUER_TRAILING_SLASH', help: { text: 'drop the slash' }, defaultConfiguration: { level: 'warning' } });
    const results = log.runs[0]!.results!;
    expect(results[1]).toMatchObject({
      level: 'warning',
      locations: [{ logicalLocations: [{ name: 'entra', fullyQualifiedName: 'authorizers/entra', kind: 'resource' }] }],
    });
    expect(results[2]!.message.text).toBe('none GET /: answered 302 redirect to \\[click\\](https://evil.invalid). Fix: point api-url at the stage');
  });

  test('lineNaming finds the route key, else its path as a whole token, else line 1; workflowFileOf reads GITHUB_WORKFLOW_REF', () => {
    expect(lineNaming(CONFIG, { routeKey: 'GET /orders' })).toBe(6);
    expect(lineNaming('on: push\njobs:\n  x:\n    with:\n      paths: /orders-v2\n      paths: /orders\n', { routeKey: 'GET /orders' })).toBe(6);
    expect(lineNaming(CONFIG, { routeKey: 'POST /nowhere' })).toBe(1);
    expect(lineNaming(undefined, { routeKey: 'GET /orders' })).toBe(1);
    expect(workflowFileOf('octo-org/orders-api/.github/workflows/release gate.yml@refs/heads/main')).toBe('.github/workflows/release gate.yml');
    expect(workflowFileOf(undefined)).toBeUndefined();
  });
});
