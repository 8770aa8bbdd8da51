/** gatewayFromStack: a synthesized cdktf gateway stack (JSON Terraform) becomes a running gateway. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayFromStack, UnresolvedReferenceError } from '../../../src/local/gateway';
import { bearer, call, closeAll, gateway } from './helpers/gateway';
import { claimsFor, startTestIssuer, type TestIssuer } from './helpers/oidc-issuer';
import { buildZip } from './helpers/zip';

const CLIENT_ID = '00000000-0000-0000-0000-0000000000c1';
const ASSET = 'assets/api_lambda-code_ABC/0123456789ABCDEF/archive.zip';
let issuer: TestIssuer;
let stackDir: string;

beforeAll(async () => {
  issuer = await startTestIssuer({ issuerPath: '/tenant-9/v2.0' });
  stackDir = mkdtempSync(join(tmpdir(), 'gateway-stack-'));
  mkdirSync(join(stackDir, 'assets/api_lambda-code_ABC/0123456789ABCDEF'), { recursive: true });
  writeFileSync(
    join(stackDir, ASSET),
    buildZip({
      'index.js':
        'exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ via: "zip", sub: event.requestContext.authorizer ? event.requestContext.authorizer.jwt.claims.sub : null }) });',
    }),
  );
});
afterAll(async () => {
  await issuer.close();
  rmSync(stackDir, { recursive: true, force: true });
});
afterEach(closeAll);

const meta = (path: string) => ({ '//': { metadata: { path, uniqueId: path.replace(/\W/g, '_') } } });

/** Shaped like cdktf's output: logical ids with hash suffixes, `${...}` references, `//` metadata. */
function stack(overrides: { jwt?: unknown; integration?: Record<string, unknown>; lambda?: Record<string, unknown> } = {}) {
  return {
    variable: { api_client_id: { type: 'string' }, tenant_path: { type: 'string', default: '/tenant-9/v2.0' } },
    resource: {
      aws_apigatewayv2_api: { 'http-api_api_F00D': { ...meta('gateway/http-api/api'), name: 'orders-api', protocol_type: 'HTTP' } },
      aws_apigatewayv2_authorizer: {
        'http-api_authorizer_BEEF': {
          ...meta('gateway/http-api/authorizer'),
          api_id: '${aws_apigatewayv2_api.http-api_api_F00D.id}',
          authorizer_type: 'JWT',
          name: 'entra-jwt',
          identity_sources: ['$request.header.Authorization'],
          jwt_configuration: overrides.jwt ?? { issuer: `${issuer.url}\${var.tenant_path}`, audience: ['${var.api_client_id}'] },
        },
      },
      aws_apigatewayv2_integration: {
        'http-api_integration_CAFE': overrides.integration ?? {
          api_id: '${aws_apigatewayv2_api.http-api_api_F00D.id}',
          integration_type: 'AWS_PROXY',
          integration_uri: '${aws_lambda_function.http-api_lambda_D00D.invoke_arn}',
          payload_format_version: '2.0',
        },
      },
      aws_lambda_function: {
        'http-api_lambda_D00D': overrides.lambda ?? {
          filename: ASSET,
          function_name: 'orders-api',
          handler: 'index.handler',
          role: '${aws_iam_role.r.arn}',
          runtime: 'nodejs22.x',
        },
      },
      aws_apigatewayv2_route: {
        'http-api_route-0_A1': {
          api_id: '${aws_apigatewayv2_api.http-api_api_F00D.id}',
          route_key: 'GET /hello',
          authorization_type: 'JWT',
          authorizer_id: '${aws_apigatewayv2_authorizer.http-api_authorizer_BEEF.id}',
          target: 'integrations/${aws_apigatewayv2_integration.http-api_integration_CAFE.id}',
        },
        'http-api_route-1_A2': {
          api_id: '${aws_apigatewayv2_api.http-api_api_F00D.id}',
          route_key: 'GET /orders',
          authorization_type: 'JWT',
          authorizer_id: '${aws_apigatewayv2_authorizer.http-api_authorizer_BEEF.id}',
          authorization_scopes: ['orders.read'],
          target: 'integrations/${aws_apigatewayv2_integration.http-api_integration_CAFE.id}',
        },
        'http-api_route-2_A3': {
          api_id: '${aws_apigatewayv2_api.http-api_api_F00D.id}',
          route_key: 'GET /health',
          authorization_type: 'NONE',
          target: 'integrations/${aws_apigatewayv2_integration.http-api_integration_CAFE.id}',
        },
      },
    },
  };
}

describe('gatewayFromStack', () => {
  test('reads authorizer, routes and a zip Lambda; variables resolve from options, then defaults', () => {
    const definition = gatewayFromStack(stack(), { variables: { api_client_id: CLIENT_ID }, stackDir });
    expect(definition.name).toBe('orders-api');
    expect(definition.authorizers).toEqual([
      { id: 'http-api_authorizer_BEEF', name: 'entra-jwt', issuer: issuer.issuer, audiences: [CLIENT_ID], identitySources: ['$request.header.Authorization'] },
    ]);
    expect(definition.routes.map((r) => [r.routeKey, r.authorizationType, r.authorizerId, r.authorizationScopes])).toEqual([
      ['GET /hello', 'JWT', 'http-api_authorizer_BEEF', undefined],
      ['GET /orders', 'JWT', 'http-api_authorizer_BEEF', ['orders.read']],
      ['GET /health', 'NONE', undefined, undefined],
    ]);
    expect(definition.routes[0]?.integration).toEqual({
      type: 'AWS_PROXY',
      lambda: { zipPath: join(stackDir, ASSET), handler: 'index.handler' },
      name: 'orders-api',
    });
  });

  test('the loaded stack serves: 401 without a token, 200 from the zipped Lambda with one, 403 without the scope, open health route', async () => {
    const gw = await gateway({ definition: gatewayFromStack(stack(), { variables: { api_client_id: CLIENT_ID }, stackDir }) });
    expect((await call(`${gw.url}/hello`)).status).toBe(401);
    const token = await issuer.sign(claimsFor(issuer.issuer, CLIENT_ID));
    expect(await call(`${gw.url}/hello`, { headers: bearer(token) })).toMatchObject({ status: 200, body: { via: 'zip', sub: 'caller-sp' } });
    expect((await call(`${gw.url}/orders`, { headers: bearer(token) })).status).toBe(403);
    expect(await call(`${gw.url}/health`)).toMatchObject({ status: 200, body: { via: 'zip', sub: null } });
  });

  test('nested blocks may be single-element arrays', () => {
    const definition = gatewayFromStack(stack({ jwt: [{ issuer: 'https://login.example/t/v2.0', audience: ['a'] }] }), { stackDir });
    expect(definition.authorizers[0]).toMatchObject({ issuer: 'https://login.example/t/v2.0', audiences: ['a'] });
  });

  test('a variable with no value and no default → one line naming resource, attribute and expression', () => {
    expect(() => gatewayFromStack(stack(), { stackDir })).toThrow(
      'aws_apigatewayv2_authorizer.http-api_authorizer_BEEF.jwt_configuration.audience[0]: cannot resolve "${var.api_client_id}" (variable "api_client_id" has no value and no default; pass it in options.variables)',
    );
  });

  test('a computed attribute cannot be resolved offline → UnresolvedReferenceError', () => {
    const load = () => gatewayFromStack(stack({ jwt: { issuer: '${aws_cognito_user_pool.pool.endpoint}', audience: ['a'] } }), { stackDir });
    expect(load).toThrow(UnresolvedReferenceError);
    expect(load).toThrow('jwt_configuration.issuer: cannot resolve "${aws_cognito_user_pool.pool.endpoint}" (no aws_cognito_user_pool.pool in the stack)');
  });

  test('HTTP_PROXY integrations keep their URL and method', () => {
    const definition = gatewayFromStack(
      stack({ integration: { integration_type: 'HTTP_PROXY', integration_method: 'ANY', integration_uri: 'https://backend.example/{proxy}' } }),
      { variables: { api_client_id: CLIENT_ID }, stackDir },
    );
    expect(definition.routes[0]?.integration).toEqual({ type: 'HTTP_PROXY', uri: 'https://backend.example/{proxy}', method: 'ANY' });
  });

  test('lambdaHandlers replace a function by logical name or function_name; no local code → ECHO with a note', () => {
    const handler = async () => ({ injected: true });
    const injected = gatewayFromStack(stack(), { variables: { api_client_id: CLIENT_ID }, stackDir, lambdaHandlers: { 'orders-api': handler } });
    expect(injected.routes[0]?.integration).toEqual({ type: 'AWS_PROXY', lambda: handler, name: 'orders-api' });
    const s3 = gatewayFromStack(stack({ lambda: { s3_bucket: 'code', s3_key: 'fn.zip', function_name: 'orders-api', handler: 'index.handler' } }), {
      variables: { api_client_id: CLIENT_ID },
      stackDir,
    });
    expect(s3.routes[0]?.integration).toEqual({ type: 'ECHO' });
    expect(s3.notes?.[0]).toContain('aws_lambda_function.http-api_lambda_D00D: no local filename');
  });
});
