/**
 * gatewayFromAws against moto_server (the AWS control plane on loopback): an HTTP API created with
 * the SDK is read back and served. Skipped, loudly, when moto_server is not installed.
 */
import { join } from 'node:path';
import { ApiGatewayV2Client, CreateApiCommand, CreateAuthorizerCommand, CreateIntegrationCommand, CreateRouteCommand } from '@aws-sdk/client-apigatewayv2';
import { gatewayFromAws } from '../../../src/local/gateway';
import { motoAvailable, startMoto, type MotoServer } from '../../../src/local/moto';
import { bearer, call, closeAll, gateway } from './helpers/gateway';
import { claimsFor, startTestIssuer, type TestIssuer } from './helpers/oidc-issuer';

const moto = motoAvailable();
if (!moto) console.warn('SKIPPED gatewayFromAws moto tests: moto_server is not on PATH (pip install "moto[server]" to run them)');
const describeMoto = moto ? describe : describe.skip;

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const LAMBDA_ARN = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations';

describeMoto(`gatewayFromAws (moto_server)${moto ? '' : ' (skipped: moto_server is not on PATH; pip install "moto[server]")'}`, () => {
  let server: MotoServer | undefined;
  let endpoint = '';
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    server = await startMoto();
    endpoint = server.url;
  }, 20_000);

  afterAll(async () => {
    await issuer.close();
    await server?.close();
  });
  afterEach(closeAll);

  test('an HTTP API with a JWT authorizer, scoped route and two integrations loads and serves', async () => {
    const client = new ApiGatewayV2Client({ region: 'us-east-1', endpoint, credentials });
    const api = await client.send(new CreateApiCommand({ Name: 'orders-api', ProtocolType: 'HTTP' }));
    const apiId = api.ApiId as string;
    const authorizer = await client.send(
      new CreateAuthorizerCommand({
        ApiId: apiId,
        Name: 'entra-jwt',
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: issuer.issuer, Audience: ['api-client-id'] },
      }),
    );
    const lambda = await client.send(
      new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA_ARN, PayloadFormatVersion: '2.0' }),
    );
    const http = await client.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'GET',
        IntegrationUri: 'http://127.0.0.1:9/unused',
        PayloadFormatVersion: '1.0',
      }),
    );
    await client.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: 'GET /hello',
        AuthorizationType: 'JWT',
        AuthorizerId: authorizer.AuthorizerId,
        Target: `integrations/${lambda.IntegrationId}`,
      }),
    );
    await client.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: 'GET /orders',
        AuthorizationType: 'JWT',
        AuthorizerId: authorizer.AuthorizerId,
        AuthorizationScopes: ['orders.read'],
        Target: `integrations/${lambda.IntegrationId}`,
      }),
    );
    await client.send(
      new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /proxy', AuthorizationType: 'NONE', Target: `integrations/${http.IntegrationId}` }),
    );
    client.destroy();

    const definition = await gatewayFromAws({
      endpoint,
      region: 'us-east-1',
      apiId,
      credentials,
      lambdaHandlers: { [LAMBDA_ARN]: async () => ({ from: 'injected' }) },
    });
    expect(definition.name).toBe('orders-api');
    expect(definition.authorizers).toEqual([
      {
        id: authorizer.AuthorizerId,
        name: 'entra-jwt',
        issuer: issuer.issuer,
        audiences: ['api-client-id'],
        identitySources: ['$request.header.Authorization'],
      },
    ]);
    const byKey = Object.fromEntries(definition.routes.map((route) => [route.routeKey, route]));
    expect(byKey['GET /hello']).toMatchObject({ authorizationType: 'JWT', authorizerId: authorizer.AuthorizerId, integration: { type: 'AWS_PROXY' } });
    expect(byKey['GET /orders']?.authorizationScopes).toEqual(['orders.read']);
    expect(byKey['GET /proxy']).toMatchObject({
      authorizationType: 'NONE',
      integration: { type: 'HTTP_PROXY', uri: 'http://127.0.0.1:9/unused', method: 'GET' },
    });

    const gw = await gateway({ definition });
    expect((await call(`${gw.url}/hello`)).status).toBe(401);
    const token = await issuer.sign(claimsFor(issuer.issuer, 'api-client-id'));
    expect(await call(`${gw.url}/hello`, { headers: bearer(token) })).toMatchObject({ status: 200, body: { from: 'injected' } });
    expect((await call(`${gw.url}/orders`, { headers: bearer(token) })).status).toBe(403);
  });

  test('Lambda code on disk, keyed by the function name in the invoke ARN, answers instead of ECHO', async () => {
    const client = new ApiGatewayV2Client({ region: 'us-east-1', endpoint, credentials });
    const api = await client.send(new CreateApiCommand({ Name: 'code-api', ProtocolType: 'HTTP' }));
    const integration = await client.send(
      new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA_ARN, PayloadFormatVersion: '2.0' }),
    );
    await client.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: 'GET /hello', Target: `integrations/${integration.IntegrationId}` }));
    client.destroy();
    const code = { directory: join(__dirname, '../../../stacks/lambda/hello'), handler: 'index.handler' };
    const definition = await gatewayFromAws({ endpoint, region: 'us-east-1', apiId: api.ApiId as string, credentials, lambdaHandlers: { orders: code } });
    expect(definition.routes[0]?.integration).toEqual({ type: 'AWS_PROXY', lambda: code, name: 'orders' });
    expect(definition.notes).toBeUndefined();
    const gw = await gateway({ definition });
    expect(await call(`${gw.url}/hello`)).toMatchObject({ status: 200, body: { message: 'hello from the protected API', route: 'GET /hello' } });
  });

  test('without an injected handler, AWS_PROXY becomes ECHO and a note says why', async () => {
    const client = new ApiGatewayV2Client({ region: 'us-east-1', endpoint, credentials });
    const api = await client.send(new CreateApiCommand({ Name: 'echo-api', ProtocolType: 'HTTP' }));
    const integration = await client.send(
      new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA_ARN, PayloadFormatVersion: '2.0' }),
    );
    await client.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: 'ANY /{proxy+}', Target: `integrations/${integration.IntegrationId}` }));
    client.destroy();
    const definition = await gatewayFromAws({ endpoint, region: 'us-east-1', apiId: api.ApiId as string, credentials });
    expect(definition.routes).toEqual([{ routeKey: 'ANY /{proxy+}', authorizationType: 'NONE', integration: { type: 'ECHO' } }]);
    expect(definition.notes?.[0]).toMatch(/Lambda code cannot be fetched/);
  });
});
