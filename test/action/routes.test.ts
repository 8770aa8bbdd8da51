// The action reads the API by api-id (issue [2] item 1): every route probed, the audit's findings as
// annotations, the route table and the findings in the job summary. The committed bundle, every
// action.yml default exported, moto_server as the control plane through the SDK's own variables.
import { gatewayFromAws, startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { motoAvailable, startMoto, type MotoServer } from '../../src/local/moto';
import { CREDENTIALS, REGION, createApi } from '../gate/helpers/control-plane';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { errorLines, runAction } from './harness';

const moto = motoAvailable();
if (!moto) console.warn('SKIPPED action api-id tests: moto_server is not on PATH (pip install "moto[server]" to run them)');
const describeMoto = moto ? describe : describe.skip;

describeMoto(
  `action bundle: verify with api-id (moto_server + gateway emulator)${moto ? '' : ' (skipped: moto_server is not on PATH; pip install "moto[server]")'}`,
  () => {
    let server: MotoServer;
    let issuer: TestIssuer;
    const gateways: GatewayEmulator[] = [];
    const env = () => ({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });

    beforeAll(async () => {
      [server, issuer] = await Promise.all([startMoto(), createTestIssuer()]);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([...gateways.map((g) => g.close()), server?.close()]);
    });

    async function served(apiId: string): Promise<string> {
      const gateway = await startGateway({ definition: await gatewayFromAws({ endpoint: server.url, region: REGION, apiId, credentials: CREDENTIALS }) });
      gateways.push(gateway);
      return gateway.url;
    }

    test('an open POST /admin fails the job: the gate and the audit each say so, with the fix; the summary has the route table', async () => {
      const apiId = await createApi(server.url, {
        name: 'orders-api',
        authorizers: { entra: { issuer: issuer.issuer, audiences: [issuer.audience] } },
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }, { routeKey: 'POST /admin' }, { routeKey: 'GET /health' }],
      });
      const run = await runAction(
        {
          command: 'verify',
          'api-id': apiId,
          'api-url': await served(apiId),
          token: await issuer.sign(),
          'public-routes': 'GET /health',
          'negative-probes': 'false',
          'timeout-seconds': '3',
        },
        { env: env() },
      );
      expect(run.code).toBe(1);
      const errors = errorLines(run.stdout);
      expect(errors).toContain(
        'POST /admin: route POST /admin has no authorizer (authorization type NONE): anyone can call it. Fix: attach the JWT authorizer to the route (authorization_type JWT), or declare it public (--public-route, the public-routes input, or public: true in the config)',
      );
      expect(run.stdout).toMatch(/^::error title=audit AUDIT_ROUTE_WITHOUT_AUTHORIZER::/m);
      expect(run.stdout).toMatch(/^::error title=gate ERR_GATE_OPEN_API::none POST \/admin: answered 200/m);
      expect(errors[errors.length - 1]).toMatch(/^gate failed: none POST \/admin: ERR_GATE_OPEN_API: .* \(and 1 more\)$/);
      const report = JSON.parse(run.outputs['report']!) as { routes: { routeKey: string; result: string }[]; findings: { code: string }[] };
      expect(report.routes.map((r) => `${r.routeKey} ${r.result}`)).toEqual(['POST /admin fail', 'GET /health pass', 'GET /orders pass']);
      expect(report.findings.map((f) => f.code)).toEqual(['AUDIT_ROUTE_WITHOUT_AUTHORIZER']);
      expect(run.outputs['unauthenticated-status']).toBe('200');
      expect(run.summary).toContain('| `POST /admin` | **none** | `POST /admin` | ❌ fail (`AUDIT_ROUTE_WITHOUT_AUTHORIZER`) |');
      expect(run.summary).toContain('| `GET /health` | none (public) | `GET /health` | ✅ pass |');
      expect(run.summary).toMatch(
        /#### Control-plane audit\n\n- ❌ `AUDIT_ROUTE_WITHOUT_AUTHORIZER` \*\*POST \/admin\*\*: route POST \/admin has no authorizer/,
      );
    }, 60_000);

    test('declared authorizers and public routes pass; the audit warnings become warning annotations', async () => {
      const apiId = await createApi(server.url, {
        name: 'declared-api',
        authorizers: { entra: { issuer: issuer.issuer, audiences: [issuer.audience] } },
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }, { routeKey: 'GET /internal', auth: 'AWS_IAM' }, { routeKey: 'GET /health' }],
        stage: { accessLogs: false },
      });
      const run = await runAction(
        {
          command: 'verify',
          'api-id': apiId,
          'api-url': await served(apiId),
          token: await issuer.sign(),
          'public-routes': 'GET /health',
          'allow-authorizers': 'AWS_IAM',
          'negative-probes': 'false',
          'timeout-seconds': '5',
        },
        { env: env() },
      );
      expect(errorLines(run.stdout)).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^::warning::audit AUDIT_STAGE_WITHOUT_ACCESS_LOGS: API: the \$default stage writes no access logs/m);
      expect(run.outputs['verdict']).toBe('pass');
    }, 60_000);

    test('an api-id that is not there: one error line naming the input, before any token is used', async () => {
      const run = await runAction({ command: 'verify', 'api-id': 'nope42', token: await issuer.sign() }, { env: env() });
      expect(run.code).toBe(1);
      expect(errorLines(run.stdout)).toEqual([
        `api-id: got "nope42"; expected the id of an HTTP API in ${REGION} (GetApi found none; check the region: AWS_REGION)`,
      ]);
    }, 60_000);

    test('paths auto without an API id probes / and says how to probe every route', async () => {
      const url = await served(await createApi(server.url, { name: 'root-api', routes: [{ routeKey: 'GET /' }] }));
      const run = await runAction(
        { command: 'verify', 'api-url': url, token: await issuer.sign(), 'negative-probes': 'false', 'expect-unauthenticated': '401', 'timeout-seconds': '2' },
        { env: env() },
      );
      expect(run.stdout).toMatch(
        /^::warning::paths: auto probes the deployed routes, but there is no api-id .*; probing \/ only\. Set api-id, or list paths$/m,
      );
      const report = JSON.parse(run.outputs['report']!) as { probes: { request: { path: string } }[]; routes: unknown[] };
      expect(report.probes.map((p) => p.request.path)).toEqual(['/', '/']);
      expect(report.routes).toEqual([]);
    }, 60_000);
  },
);
