/**
 * Issue [2] #2 through the whole gate: an API built in moto_server through the SDK, read back by the
 * control-plane reader, served by the gateway emulator and gated by the token → gate → report pipeline.
 * A public route may answer anything but a 5xx; a CORS configuration (which makes API Gateway answer
 * preflights itself, with no authorizer) must not make a protected route look open.
 */
import { runGatePipeline, type GatePipelineResult } from '../../src/gate';
import type { GatewayEmulator } from '../../src/local/gateway';
import { motoAvailable, startMoto, type MotoServer } from '../../src/local/moto';
import { listen, sendJson, type RunningServer } from '../../src/local/server';
import { clientSecretSource, serveFromMoto, startScopedTokenEndpoint, type ApiSpec } from './helpers/control-plane';
import { createTestIssuer, type TestIssuer } from './helpers/issuer';

const moto = motoAvailable();
const API_SCOPE = 'api://orders-api/.default';
const ORIGIN = 'https://app.example.com';

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
}

(moto ? describe : describe.skip)(
  moto
    ? 'public routes and CORS through the gate (moto_server + gateway emulator)'
    : 'public routes and CORS through the gate (skipped: moto_server is not on PATH; pip install "moto[server]")',
  () => {
    let server: MotoServer;
    let issuer: TestIssuer;
    let tokens: Awaited<ReturnType<typeof startScopedTokenEndpoint>>;
    let backend: RunningServer;
    const gateways: GatewayEmulator[] = [];

    beforeAll(async () => {
      [server, issuer] = await Promise.all([startMoto(), createTestIssuer()]);
      tokens = await startScopedTokenEndpoint(issuer, {
        [API_SCOPE]: issuer.audience,
        'https://graph.microsoft.com/.default': '00000003-0000-0000-c000-000000000000',
      });
      // The public route's backend is broken: every answer a 500.
      backend = await listen((_req, res) => sendJson(res, 500, { message: 'database unreachable' }));
    }, 30_000);
    afterAll(async () => {
      await Promise.all([...gateways.map((g) => g.close()), tokens?.close(), backend?.close(), server?.close()]);
    });

    /** Builds, reads back, serves and gates the API; `sent` lists every request the gate sent to it. */
    async function gate(spec: Omit<ApiSpec, 'authorizers'>, publicRoutes: string[]): Promise<{ result: GatePipelineResult; sent: Sent[]; url: string }> {
      const { deployed, gateway } = await serveFromMoto(server.url, {
        ...spec,
        authorizers: { entra: { issuer: issuer.issuer, audiences: [issuer.audience] } },
      });
      gateways.push(gateway);
      const sent: Sent[] = [];
      const recording: typeof fetch = (input, init) => {
        const url = new URL(String(input instanceof Request ? input.url : input));
        if (url.origin === gateway.url) sent.push({ method: init?.method ?? 'GET', path: url.pathname, headers: new Headers(init?.headers) });
        return fetch(input, init);
      };
      let n = 0;
      const result = await runGatePipeline({
        apiUrl: gateway.url,
        deployed,
        publicRoutes,
        source: clientSecretSource(tokens.tokenEndpoint, API_SCOPE),
        otherAudienceScope: 'https://graph.microsoft.com/.default',
        attacks: ['alg-none', 'other-audience'] as never,
        randomSegment: () => `eag-${++n}`,
        fetch: recording,
        timeoutMs: 2000,
        intervalMs: 100,
      });
      return { result, sent, url: gateway.url };
    }

    test('a public route answering 500: retried to the deadline, then ERR_GATE_SERVER_ERROR on that route, and the protected routes still pass', async () => {
      const { result } = await gate(
        {
          name: 'health-500',
          routes: [
            { routeKey: 'GET /orders', auth: 'entra' },
            { routeKey: 'GET /health', proxy: `${backend.url}/health` },
          ],
        },
        ['GET /health'],
      );
      expect(result.report.pass).toBe(false);
      expect(result.report.failures.map((f) => `${f.code} ${f.probe}: ${f.reason}`)).toEqual([
        expect.stringMatching(/^ERR_GATE_SERVER_ERROR none GET \/health: answered 500 until the deadline/),
      ]);
      expect(result.report.routes.map((r) => `${r.routeKey} ${r.result}`)).toEqual(['GET /health fail', 'GET /orders pass']);
    }, 60_000);

    test('CORS configured: the gate sends no preflight (no OPTIONS, no Origin), so the gateway never answers for the authorizer, and the API passes', async () => {
      const cors = { AllowOrigins: [ORIGIN], AllowMethods: ['GET', 'POST', 'DELETE'], AllowHeaders: ['authorization', 'content-type'], MaxAge: 600 };
      const { result, sent, url } = await gate(
        {
          name: 'cors-api',
          cors,
          routes: [{ routeKey: 'GET /orders', auth: 'entra' }, { routeKey: 'ANY /{proxy+}', auth: 'entra' }, { routeKey: 'GET /health' }],
        },
        ['GET /health'],
      );
      expect(result.report.failures).toEqual([]);
      expect(result.report.findings).toEqual([]);
      expect(result.report.pass).toBe(true);
      expect(sent.length).toBeGreaterThan(5);
      expect(sent.filter((s) => s.method === 'OPTIONS' || s.headers.has('origin') || s.headers.has('access-control-request-method'))).toEqual([]);
      // What a preflight would have met: the gateway's own 204 without a token, on a protected route.
      const preflight = await fetch(`${url}/orders`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      // And a browser's token-less GET with an Origin is still refused by the authorizer.
      expect((await fetch(`${url}/orders`, { headers: { origin: ORIGIN } })).status).toBe(401);
    }, 60_000);
  },
);
