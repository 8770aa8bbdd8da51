// The one token source → token → gate → report function (issue [6] item 3), and the data-plane URL it
// derives from the control plane's view (issue [2] item 1).
import { runGatePipeline, type DeployedApi } from '../../src/gate';
import { createTestIssuer, type TestIssuer } from './helpers/issuer';
import { startTestApi, type TestApi } from './helpers/test-api';

let issuer: TestIssuer;
let api: TestApi | undefined;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const deployedAt = (endpoint: string | undefined, over: Partial<DeployedApi> = {}): DeployedApi => ({
  apiId: 'abc123',
  name: 'orders-api',
  ...(endpoint !== undefined ? { endpoint } : {}),
  stage: { name: '$default', accessLogDestination: 'arn:x', throttling: { burstLimit: 10, rateLimit: 50 } },
  authorizers: [{ id: 'a1', name: 'entra', issuer: issuer.issuer, audiences: [issuer.audience] }],
  routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'a1' }],
  ...over,
});

describe('runGatePipeline', () => {
  test('without an API URL it probes the stage invoke URL the control plane gave, with the token the source gave', async () => {
    api = await startTestApi({ issuer, routes: ['/orders'] });
    const token = await issuer.sign();
    const masked: string[] = [];
    const result = await runGatePipeline({
      deployed: deployedAt(api.url),
      source: { kind: 'given', token },
      tokenDeps: { mask: (t) => masked.push(t) },
      negativeProbes: false,
      timeoutMs: 5000,
    });
    expect(result.report).toMatchObject({ pass: true, apiUrl: api.url, api: { apiId: 'abc123', name: 'orders-api', stage: '$default' }, findings: [] });
    expect(result.token?.claims.iss).toBe(issuer.issuer);
    expect(masked).toEqual([token]);
    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.authorization === undefined ? 'anonymous' : 'token'}`).sort()).toEqual([
      'GET /orders anonymous',
      'GET /orders anonymous',
      'GET /orders token',
      'GET /orders token',
    ]);
  });

  test('one line when there is nothing to probe: no URL and no API; several stages and none named', async () => {
    await expect(runGatePipeline({})).rejects.toThrow('--api-url: got ""; expected the API URL to gate (or --api-id to read it from the control plane)');
    await expect(runGatePipeline({ deployed: deployedAt('https://abc.example.com', { stage: undefined, stageNames: ['dev', 'prod'] }) })).rejects.toThrow(
      '--stage: got ""; expected the stage to probe: API abc123 has no $default stage but dev, prod',
    );
  });

  test('the audit is judged against the contract when given, else against the valid token', async () => {
    api = await startTestApi({ issuer, routes: ['/orders'] });
    const token = await issuer.sign();
    const otherIssuer = 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0';
    const byToken = await runGatePipeline({
      apiUrl: api.url,
      deployed: deployedAt(api.url),
      source: { kind: 'given', token },
      negativeProbes: false,
      timeoutMs: 5000,
    });
    expect(byToken.findings).toEqual([]);
    const byContract = await runGatePipeline({
      apiUrl: api.url,
      deployed: deployedAt(api.url),
      source: { kind: 'given', token },
      expectedIssuer: otherIssuer,
      negativeProbes: false,
      timeoutMs: 5000,
    });
    expect(byContract.findings.map((f) => f.code)).toEqual(['AUDIT_AUTHORIZER_FOREIGN_ISSUER']);
    expect(byContract.report.pass).toBe(false);
  });
});
