/**
 * The control-plane reader as AWS answers it: list calls in pages (a loopback front pages what
 * moto_server answers whole: moto never pages), the API Gateway endpoint from
 * AWS_ENDPOINT_URL_APIGATEWAYV2, and --region, --stage and the action's `stage` input on a success path.
 */
import { ApiGatewayV2Client, CreateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { readApiFromControlPlane } from '../../src/gate/control-plane';
import { gatewayFromDeployedApi, startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { motoAvailable, startMoto, type MotoServer } from '../../src/local/moto';
import { runAction } from '../action/harness';
import { runBin } from '../support/cli-bin';
import { CREDENTIALS, REGION, createApi, startPagingFront, type PagedCall } from './helpers/control-plane';
import { createTestIssuer, type TestIssuer } from './helpers/issuer';

const moto = motoAvailable();
const PAGE = 2;

(moto ? describe : describe.skip)(
  moto
    ? 'the control-plane reader, paged and configured as AWS users configure it (moto_server)'
    : 'the control-plane reader (skipped: moto_server is not on PATH; pip install "moto[server]")',
  () => {
    let server: MotoServer;
    let front: Awaited<ReturnType<typeof startPagingFront>>;
    let issuer: TestIssuer;
    let gateway: GatewayEmulator;
    let fiveRoutes = '';
    let twoStages = '';
    const routeKeys = ['GET /a', 'GET /b', 'GET /c', 'GET /d', 'GET /e'];
    /** The SDK's credentials; the region and endpoint as each test sets them. */
    const credentials = { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
    const tokensAsked = (path: RegExp): (string | undefined)[] => front.calls.filter((c: PagedCall) => path.test(c.path)).map((c) => c.nextToken);

    beforeAll(async () => {
      [server, issuer] = await Promise.all([startMoto(), createTestIssuer()]);
      front = await startPagingFront(server.url, PAGE);
      const entra = { entra: { issuer: issuer.issuer, audiences: [issuer.audience] } };
      fiveRoutes = await createApi(server.url, { name: 'five-routes', authorizers: entra, routes: routeKeys.map((routeKey) => ({ routeKey, auth: 'entra' })) });
      // Two named stages and no $default: `prod` writes access logs, `dev` does not, so the audit shows which was read.
      twoStages = await createApi(server.url, {
        name: 'two-stages',
        authorizers: entra,
        routes: [
          { routeKey: 'GET /orders', auth: 'entra' },
          { routeKey: 'GET /orders/{id}', auth: 'entra' },
          { routeKey: 'POST /orders', auth: 'entra' },
        ],
        stage: { name: 'prod' },
      });
      const client = new ApiGatewayV2Client({ region: REGION, endpoint: server.url, credentials: CREDENTIALS });
      await client.send(
        new CreateStageCommand({
          ApiId: twoStages,
          StageName: 'dev',
          AutoDeploy: true,
          DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 100 },
        }),
      );
      client.destroy();
      await createApi(server.url, { name: 'third', authorizers: entra, routes: [{ routeKey: 'GET /x', auth: 'entra' }] });
      gateway = await startGateway({
        definition: gatewayFromDeployedApi(
          await readApiFromControlPlane({
            apiId: twoStages,
            stage: 'prod',
            region: REGION,
            endpoint: server.url,
            credentials: CREDENTIALS,
            integrations: true,
          }),
        ),
      });
    }, 60_000);
    beforeEach(() => front.calls.splice(0));
    afterAll(async () => {
      await Promise.all([gateway?.close(), front?.close(), server?.close()]);
    });

    test('GetRoutes over three pages: every route read, each page asked with the token the last one gave', async () => {
      const deployed = await readApiFromControlPlane({ apiId: fiveRoutes, region: REGION, endpoint: front.url, credentials: CREDENTIALS });
      expect(deployed.routes.map((r) => r.routeKey).sort()).toEqual(routeKeys);
      expect(tokensAsked(/\/routes$/)).toEqual([undefined, '2', '4']);
    }, 30_000);

    test('audit --region with AWS_ENDPOINT_URL_APIGATEWAYV2 (AWS_ENDPOINT_URL dead, no AWS_REGION): GetApis over two pages, every API audited', async () => {
      const env = { ...credentials, AWS_ENDPOINT_URL_APIGATEWAYV2: front.url, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
      const run = await runBin(['audit', '--region', REGION, '--stage', 'prod', '--json'], { env });
      const report = JSON.parse(run.stdout) as { region: string; summary: { apis: number; unreadable: number }; apis: { name: string }[] };
      expect(tokensAsked(/^\/v2\/apis$/)).toEqual([undefined, '2']);
      expect(report.region).toBe(REGION);
      expect(report.apis.map((a) => a.name).sort()).toEqual(['five-routes', 'third', 'two-stages']);
      expect(run.stderr).toBe('');
    }, 60_000);

    test('verify --api-id --region --stage prod (endpoint from AWS_ENDPOINT_URL_APIGATEWAYV2): PASS on the prod stage, every route probed', async () => {
      const env = { ...credentials, AWS_ENDPOINT_URL_APIGATEWAYV2: front.url, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', TOKEN: await issuer.sign() };
      const verify = (stage: string) =>
        runBin(
          [
            'verify',
            '--api-id',
            twoStages,
            '--region',
            REGION,
            '--stage',
            stage,
            '--api-url',
            gateway.url,
            '--token-env',
            'TOKEN',
            '--no-negative-probes',
            '--timeout-seconds',
            '5',
            '--json',
          ],
          { env },
        );
      const prod = await verify('prod');
      const report = JSON.parse(prod.stdout) as { pass: boolean; api: unknown; routes: { routeKey: string; result: string }[]; findings: { code: string }[] };
      expect(report.api).toEqual({ apiId: twoStages, name: 'two-stages', stage: 'prod' });
      expect(report.routes.map((r) => `${r.routeKey} ${r.result}`).sort()).toEqual(['GET /orders pass', 'GET /orders/{id} pass', 'POST /orders pass']);
      expect(report.findings).toEqual([]);
      expect(prod.code).toBe(0);
      expect(tokensAsked(/\/routes$/)).toEqual([undefined, '2']);
      // The other stage is another audit: its missing access logs are a warning, and the name is its own.
      const dev = JSON.parse((await verify('dev')).stdout) as typeof report;
      expect(dev.api).toEqual({ apiId: twoStages, name: 'two-stages', stage: 'dev' });
      expect(dev.findings.map((f) => f.code)).toEqual(['AUDIT_STAGE_WITHOUT_ACCESS_LOGS']);
    }, 60_000);

    test("the action's stage input: PASS on that stage of an API with no $default", async () => {
      const env = { ...credentials, AWS_REGION: REGION, AWS_ENDPOINT_URL: front.url };
      const run = await runAction(
        {
          command: 'verify',
          'api-id': twoStages,
          stage: 'prod',
          'api-url': gateway.url,
          token: await issuer.sign(),
          'negative-probes': 'false',
          'timeout-seconds': '5',
        },
        { env },
      );
      expect(run.stdout).not.toMatch(/^::error/m);
      expect(run.code).toBe(0);
      expect(run.outputs['verdict']).toBe('pass');
      const report = JSON.parse(run.outputs['report']!) as { api: unknown; routes: unknown[] };
      expect(report.api).toEqual({ apiId: twoStages, name: 'two-stages', stage: 'prod' });
      expect(report.routes).toHaveLength(3);
    }, 60_000);
  },
);
