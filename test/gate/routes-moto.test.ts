/**
 * Issue [2]: the gate checks every deployed route and audits the authorizers behind them. Each API is
 * created in moto_server through the real AWS SDK with one flaw, read back by the one control-plane
 * reader, served by the gateway emulator, and gated through the one token → gate → report pipeline.
 * Skipped, loudly, when moto_server is not installed.
 */
import { runGatePipeline, type GatePipelineResult } from '../../src/gate';
import type { GatewayEmulator } from '../../src/local/gateway';
import { motoAvailable, startMoto, type MotoServer } from '../../src/local/moto';
import { clientSecretSource, serveFromMoto, startScopedTokenEndpoint, type ApiSpec } from './helpers/control-plane';
import { createTestIssuer, type TestIssuer } from './helpers/issuer';
import { virtualTime } from './helpers/virtual-time';

const moto = motoAvailable();
if (!moto) console.warn('SKIPPED route derivation and audit against moto: moto_server is not on PATH (pip install "moto[server]" to run them)');
const describeMoto = moto ? describe : describe.skip;

const GRAPH = '00000003-0000-0000-c000-000000000000';
const API_SCOPE = 'api://orders-api/.default';
/** A few refusal probes keep the suite quick; the correct API gets every attack. */
const SOME_ATTACKS = ['forged-signature-new-kid', 'alg-none', 'other-audience'] as const;

describeMoto(
  `every deployed route is probed and its authorizer audited (moto_server + gateway emulator)${moto ? '' : ' (skipped: moto_server is not on PATH; pip install "moto[server]")'}`,
  () => {
    let server: MotoServer;
    let issuer: TestIssuer;
    let partner: TestIssuer;
    let tokens: Awaited<ReturnType<typeof startScopedTokenEndpoint>>;
    const gateways: GatewayEmulator[] = [];

    beforeAll(async () => {
      [server, issuer] = await Promise.all([startMoto(), createTestIssuer()]);
      // A second issuer on loopback, same keys, another `iss`: what a second authorizer might trust.
      partner = await createTestIssuer({ issuer: issuer.issuer.replace('/11111111-2222-3333-4444-555555555555/v2.0', '/partner') });
      tokens = await startScopedTokenEndpoint(issuer, { [API_SCOPE]: issuer.audience, 'https://graph.microsoft.com/.default': GRAPH });
    }, 30_000);

    afterAll(async () => {
      await Promise.all([...gateways.map((g) => g.close()), tokens?.close(), server?.close()]);
    });

    /** Creates the API, reads it back, serves it and gates it; resolves to the pipeline's result. */
    async function gate(
      spec: ApiSpec,
      extra: { publicRoutes?: string[]; allowAuthorizers?: string[]; attacks?: readonly string[] | 'all' } = {},
    ): Promise<GatePipelineResult> {
      const { deployed, gateway } = await serveFromMoto(server.url, spec);
      gateways.push(gateway);
      let n = 0;
      const { now, sleep, fetch } = virtualTime();
      return runGatePipeline({
        apiUrl: gateway.url,
        deployed,
        publicRoutes: extra.publicRoutes ?? [],
        allowAuthorizers: extra.allowAuthorizers ?? [],
        source: clientSecretSource(tokens.tokenEndpoint, API_SCOPE),
        otherAudienceScope: 'https://graph.microsoft.com/.default',
        ...(extra.attacks === 'all' ? {} : { attacks: (extra.attacks ?? SOME_ATTACKS) as never }),
        randomSegment: () => `eag-${++n}`,
        // On virtual time (helpers/virtual-time.ts): flawed APIs poll until the deadline at no real cost.
        now,
        sleep,
        fetch,
        timeoutMs: 10_000,
        intervalMs: 500,
      });
    }

    const entra = () => ({ entra: { issuer: issuer.issuer, audiences: [issuer.audience] } });
    const codes = (result: GatePipelineResult) => ({
      gate: [...new Set(result.report.failures.map((f) => `${f.code} ${f.probe}`))].sort(),
      audit: result.report.findings.map((f) => `${f.code}${f.routeKey ? ` ${f.routeKey}` : ''}${f.authorizer ? ` @${f.authorizer}` : ''}`),
    });

    test('the correct API passes: every route probed with its own method, the token and every attack on the first protected route', async () => {
      const result = await gate(
        {
          name: 'correct-api',
          authorizers: entra(),
          routes: [
            { routeKey: 'GET /orders', auth: 'entra' },
            { routeKey: 'ANY /{proxy+}', auth: 'entra' },
            { routeKey: 'GET /health' },
            { routeKey: 'POST /orders/{id}', auth: 'entra' },
          ],
        },
        { publicRoutes: ['GET /health'], attacks: 'all' },
      );
      expect(codes(result)).toEqual({ gate: [], audit: [] });
      expect(result.report.pass).toBe(true);
      const anonymous = result.report.probes.filter((p) => p.request.auth === 'none').map((p) => `${p.request.method} ${p.request.path} → ${p.routeKey}`);
      expect(anonymous).toEqual([
        'GET /health → GET /health',
        'GET /orders → GET /orders',
        'POST /orders/entra-api-guard-probe → POST /orders/{id}',
        'GET /eag-1 → ANY /{proxy+}',
        'POST /eag-1 → ANY /{proxy+}',
        'DELETE /eag-1 → ANY /{proxy+}',
      ]);
      const tokenProbes = result.report.probes.filter((p) => p.request.auth !== 'none');
      expect(new Set(tokenProbes.map((p) => `${p.request.method} ${p.request.path}`))).toEqual(new Set(['GET /orders']));
      expect(tokenProbes.length).toBeGreaterThan(40);
      expect(result.report.routes.map((r) => [r.routeKey, r.authorizer ?? '-', r.result])).toEqual([
        ['GET /health', '-', 'pass'],
        ['GET /orders', 'entra', 'pass'],
        ['POST /orders/{id}', 'entra', 'pass'],
        ['ANY /{proxy+}', 'entra', 'pass'],
      ]);
      expect(result.report.api).toEqual({ apiId: expect.any(String), name: 'correct-api', stage: '$default' });
    }, 60_000);

    test('a route without an authorizer: AUDIT_ROUTE_WITHOUT_AUTHORIZER, and its own method answers 200 without a token', async () => {
      const result = await gate({
        name: 'admin-open',
        authorizers: entra(),
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }, { routeKey: 'POST /admin' }],
      });
      expect(codes(result)).toEqual({ gate: ['ERR_GATE_OPEN_API none POST /admin'], audit: ['AUDIT_ROUTE_WITHOUT_AUTHORIZER POST /admin'] });
      expect(result.report.pass).toBe(false);
      expect(result.report.routes.find((r) => r.routeKey === 'POST /admin')).toMatchObject({ result: 'fail', findings: ['AUDIT_ROUTE_WITHOUT_AUTHORIZER'] });
    }, 60_000);

    test('$default open: probed on a path no other route matches', async () => {
      const result = await gate({
        name: 'default-open',
        authorizers: entra(),
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }, { routeKey: 'ANY /orders/{id}', auth: 'entra' }, { routeKey: '$default' }],
      });
      expect(codes(result)).toEqual({ gate: ['ERR_GATE_OPEN_API none GET /eag-1/eag-2'], audit: ['AUDIT_ROUTE_WITHOUT_AUTHORIZER $default'] });
    }, 60_000);

    test('GET /reports/{id} open beside a protected ANY /{proxy+}', async () => {
      const result = await gate({
        name: 'reports-open',
        authorizers: entra(),
        routes: [{ routeKey: 'ANY /{proxy+}', auth: 'entra' }, { routeKey: 'GET /reports/{id}' }],
      });
      expect(codes(result)).toEqual({
        gate: ['ERR_GATE_OPEN_API none GET /reports/entra-api-guard-probe'],
        audit: ['AUDIT_ROUTE_WITHOUT_AUTHORIZER GET /reports/{id}'],
      });
      expect(result.report.failures[0]?.reason).toContain('(route GET /reports/{id}, authorization NONE)');
    }, 60_000);

    test('a method route open beside a protected ANY /orders: POST goes to its own route, ANY keeps GET and DELETE', async () => {
      const result = await gate({
        name: 'post-open',
        authorizers: entra(),
        routes: [{ routeKey: 'ANY /orders', auth: 'entra' }, { routeKey: 'POST /orders' }],
      });
      expect(codes(result)).toEqual({ gate: ['ERR_GATE_OPEN_API none POST /orders'], audit: ['AUDIT_ROUTE_WITHOUT_AUTHORIZER POST /orders'] });
      expect(result.report.routes.find((r) => r.routeKey === 'ANY /orders')?.requests).toEqual(['GET /orders', 'DELETE /orders']);
    }, 60_000);

    test('a second authorizer trusting another issuer: AUDIT_AUTHORIZER_FOREIGN_ISSUER, and it gets its own token and forgery probes', async () => {
      const spec = (name: string): ApiSpec => ({
        name,
        authorizers: { ...entra(), partner: { issuer: partner.issuer, audiences: [issuer.audience] } },
        routes: [
          { routeKey: 'GET /orders', auth: 'entra' },
          { routeKey: 'GET /partner/orders', auth: 'partner' },
        ],
      });
      const result = await gate(spec('second-issuer'));
      expect(codes(result)).toEqual({ gate: ['ERR_GATE_UNAUTHORIZED valid-token GET /partner/orders'], audit: ['AUDIT_AUTHORIZER_FOREIGN_ISSUER @partner'] });
      expect(result.report.probes.filter((p) => p.request.path === '/partner/orders').map((p) => p.request.auth)).toEqual([
        'none',
        'valid-token',
        'forged-signature-new-kid',
        'alg-none',
        'other-audience',
      ]);

      // Declared on purpose: no finding, and the Entra token is not expected to be let in there.
      const declared = await gate(spec('second-issuer-declared'), { allowAuthorizers: ['partner'] });
      expect(codes(declared)).toEqual({ gate: [], audit: [] });
      expect(declared.report.warnings.join('\n')).toMatch(
        /valid-token GET \/partner\/orders not probed: authorizer partner is declared with --allow-authorizer/,
      );
    }, 60_000);

    test('Microsoft Graph among the audiences: AUDIT_AUDIENCE_MICROSOFT_APP, and a Graph token is let in', async () => {
      const result = await gate({
        name: 'graph-audience',
        authorizers: { entra: { issuer: issuer.issuer, audiences: [issuer.audience, GRAPH] } },
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }],
      });
      expect(codes(result)).toEqual({ gate: ['ERR_GATE_ACCEPTS_WRONG_AUDIENCE other-audience GET /orders'], audit: ['AUDIT_AUDIENCE_MICROSOFT_APP @entra'] });
      expect(result.report.findings[0]?.message).toContain(`accepts audience ${GRAPH} (Microsoft Graph)`);
    }, 60_000);

    test('a v1 issuer for v2 tokens: AUDIT_AUTHORIZER_TOKEN_VERSION_MISMATCH, and the valid token gets 401', async () => {
      const v1 = issuer.issuer.replace(/\/([0-9a-f-]{36})\/v2\.0$/, '/sts/$1/');
      const result = await gate({
        name: 'v1-issuer',
        authorizers: { entra: { issuer: v1, audiences: [issuer.audience] } },
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }],
      });
      expect(codes(result)).toEqual({ gate: ['ERR_GATE_UNAUTHORIZED valid-token GET /orders'], audit: ['AUDIT_AUTHORIZER_TOKEN_VERSION_MISMATCH @entra'] });
      expect(result.report.findings[0]?.fix).toBe(`set the authorizer's issuer to ${issuer.issuer}`);
    }, 60_000);

    test('IAM and Lambda-authorized routes fail the audit unless declared; their 403 counts as a refusal', async () => {
      const spec = (name: string): ApiSpec => ({
        name,
        authorizers: { ...entra(), 'lambda-auth': { issuer: '', audiences: [], type: 'REQUEST' } },
        routes: [
          { routeKey: 'GET /orders', auth: 'entra' },
          { routeKey: 'GET /internal', auth: 'AWS_IAM' },
          { routeKey: 'GET /legacy', auth: 'lambda-auth' },
        ],
      });
      const result = await gate(spec('unjudged'));
      expect(codes(result)).toEqual({
        gate: [],
        audit: ['AUDIT_ROUTE_UNJUDGED_AUTHORIZATION GET /internal @AWS_IAM', 'AUDIT_ROUTE_UNJUDGED_AUTHORIZATION GET /legacy @lambda-auth'],
      });
      expect(result.report.pass).toBe(false);
      const declared = await gate(spec('unjudged-declared'), { allowAuthorizers: ['AWS_IAM', 'lambda-auth'] });
      expect(codes(declared)).toEqual({ gate: [], audit: [] });
    }, 60_000);

    test('scopes on a pipeline route, a stage without access logs or throttling: warnings only', async () => {
      const result = await gate({
        name: 'warnings',
        authorizers: entra(),
        routes: [
          { routeKey: 'GET /orders', auth: 'entra' },
          { routeKey: 'GET /orders/{id}', auth: 'entra', scopes: ['orders.read'] },
        ],
        stage: { accessLogs: false, burstLimit: 0 },
      });
      expect(codes(result)).toEqual({
        gate: [],
        audit: ['AUDIT_SCOPES_FOR_APP_ONLY_CALLERS GET /orders/{id}', 'AUDIT_STAGE_WITHOUT_ACCESS_LOGS', 'AUDIT_STAGE_WITHOUT_THROTTLING'],
      });
      expect(result.report.pass).toBe(true);
      // The scoped route would answer the app-only token 403: the valid token goes to the other one.
      expect(result.report.probes.find((p) => p.request.auth === 'valid-token')?.routeKey).toBe('GET /orders');
    }, 60_000);
  },
);
