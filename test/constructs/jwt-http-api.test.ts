import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { EntraApiApplication, JwtHttpApi, type JwtHttpApiProps } from '../../src/constructs';
import { resourcesOf, synthStack, warningsOf } from '../support/synth';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const V2 = { issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, audiences: [CLIENT] };
const LAMBDA_DIR = join(__dirname, '../../stacks/lambda/hello');
const buildDir = mkdtempSync(join(tmpdir(), 'jwt-http-api-test-'));

function build(props: Partial<JwtHttpApiProps> = {}) {
  let api!: JwtHttpApi;
  const result = synthStack((stack) => {
    api = new JwtHttpApi(stack, 'http-api', {
      name: 'orders-api',
      trust: V2,
      routes: [{ routeKey: 'GET /hello' }, { routeKey: 'ANY /{proxy+}' }, { routeKey: 'GET /health', public: true }],
      integration: { lambdaDir: LAMBDA_DIR },
      buildDir,
      ...props,
    });
  });
  return { ...result, api };
}

describe('JwtHttpApi', () => {
  test('JWT authorizer with the trusted issuer and audiences, Authorization header by default', () => {
    const { json } = build();
    expect(
      Testing.toHaveResourceWithProperties(json, 'aws_apigatewayv2_authorizer', {
        authorizer_type: 'JWT',
        name: 'entra-jwt',
        identity_sources: ['$request.header.Authorization'],
        jwt_configuration: { issuer: V2.issuer, audience: [CLIENT] },
      }),
    ).toBe(true);
  });

  test('default-deny: every route not marked public uses the authorizer', () => {
    const { tf } = build();
    const routes = resourcesOf(tf, 'aws_apigatewayv2_route');
    const byKey = Object.fromEntries(routes.map((r) => [r.route_key, r]));
    expect(byKey['GET /hello']).toMatchObject({ authorization_type: 'JWT', authorizer_id: expect.stringContaining('aws_apigatewayv2_authorizer.') });
    expect(byKey['ANY /{proxy+}']).toMatchObject({ authorization_type: 'JWT' });
    expect(byKey['GET /health']).toMatchObject({ authorization_type: 'NONE' });
    expect(byKey['GET /health']).not.toHaveProperty('authorizer_id');
  });

  test('takes its trust from an EntraApiApplication', () => {
    const { tf } = synthStack((stack) => {
      const app = new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: TENANT });
      new JwtHttpApi(stack, 'http-api', {
        name: 'orders-api',
        trust: app,
        routes: [{ routeKey: 'GET /hello' }],
        integration: { httpUrl: 'https://example.com' },
      });
    });
    const [authorizer] = resourcesOf(tf, 'aws_apigatewayv2_authorizer') as { jwt_configuration: { issuer: string; audience: string[] } }[];
    expect(authorizer!.jwt_configuration.issuer).toBe(V2.issuer);
    expect(authorizer!.jwt_configuration.audience[0]).toMatch(/^\$\{azuread_application\.api_application_[0-9A-F]+\.client_id\}$/);
  });

  test('$default stage: auto-deploy, JSON access logs with requestId and authorizer error, throttling defaults', () => {
    const { tf } = build();
    const [stage] = resourcesOf(tf, 'aws_apigatewayv2_stage') as Record<string, any>[];
    expect(stage).toMatchObject({ name: '$default', auto_deploy: true, default_route_settings: { throttling_burst_limit: 50, throttling_rate_limit: 100 } });
    const format = JSON.parse(stage!.access_log_settings.format);
    expect(format).toMatchObject({ requestId: '$context.requestId', authorizerError: '$context.authorizer.error' });
    expect(resourcesOf(tf, 'aws_cloudwatch_log_group')[0]).toMatchObject({ name: '/aws/apigateway/orders-api', retention_in_days: 14 });
  });

  test('stage settings override the defaults', () => {
    const { tf } = build({ stage: { throttlingBurstLimit: 5, throttlingRateLimit: 2, logRetentionDays: 30 } });
    expect(resourcesOf(tf, 'aws_apigatewayv2_stage')[0]).toMatchObject({ default_route_settings: { throttling_burst_limit: 5, throttling_rate_limit: 2 } });
    expect(resourcesOf(tf, 'aws_cloudwatch_log_group')[0]).toMatchObject({ retention_in_days: 30 });
  });

  test('Lambda integration: payload 2.0, FILE asset zip with a content hash, invoke permission', () => {
    const { tf } = build();
    expect(resourcesOf(tf, 'aws_apigatewayv2_integration')[0]).toMatchObject({ integration_type: 'AWS_PROXY', payload_format_version: '2.0' });
    const [fn] = resourcesOf(tf, 'aws_lambda_function') as Record<string, string>[];
    expect(fn!.filename).toMatch(/^assets\/http-api_lambda-code_[0-9A-F]+\/[0-9A-F]+\/lambda-[0-9a-f]{16}\.zip$/);
    expect(fn!.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(fn).toMatchObject({ handler: 'index.handler', runtime: 'nodejs22.x' });
    expect(resourcesOf(tf, 'aws_lambda_permission')[0]).toMatchObject({ principal: 'apigateway.amazonaws.com', action: 'lambda:InvokeFunction' });
  });

  test('the Lambda zip is deterministic: same sources, same hash', () => {
    const hashOf = () => (resourcesOf(build().tf, 'aws_lambda_function')[0] as Record<string, string>).source_code_hash;
    expect(hashOf()).toBe(hashOf());
  });

  test('HTTP_PROXY integration', () => {
    const { tf } = build({ integration: { httpUrl: 'https://backend.example.com' } });
    expect(resourcesOf(tf, 'aws_apigatewayv2_integration')[0]).toMatchObject({
      integration_type: 'HTTP_PROXY',
      integration_uri: 'https://backend.example.com',
      integration_method: 'ANY',
    });
    expect(resourcesOf(tf, 'aws_lambda_function')).toHaveLength(0);
  });

  test('per-route scopes become authorization_scopes', () => {
    const { tf } = build({ routes: [{ routeKey: 'GET /orders', scopes: ['Orders.Read'] }], callers: 'delegated' });
    expect(resourcesOf(tf, 'aws_apigatewayv2_route')[0]).toMatchObject({ authorization_scopes: ['Orders.Read'] });
  });

  test('warns at synth when app-only callers meet routes that require scopes (roles vs scp → 403)', () => {
    const { api } = build({ routes: [{ routeKey: 'GET /orders', scopes: ['Orders.Read'] }] });
    const warnings = warningsOf(api);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"GET /orders" require scopes, but app-only callers (pipelines) carry roles, never scp: they will get 403');
    expect(warningsOf(build({ routes: [{ routeKey: 'GET /orders', scopes: ['Orders.Read'] }], callers: 'delegated' }).api)).toHaveLength(0);
  });

  test('loopback http issuers are allowed for the emulators', () => {
    expect(() => build({ trust: { issuer: `http://127.0.0.1:8400/${TENANT}/v2.0`, audiences: [CLIENT] } })).not.toThrow();
  });

  const bad: [string, Partial<JwtHttpApiProps>, string][] = [
    [
      'non-https issuer',
      { trust: { issuer: `http://login.example.com/${TENANT}/v2.0`, audiences: [CLIENT] } },
      'http-api.trust.issuer: got "http://login.example.com/',
    ],
    ['no audiences', { trust: { issuer: V2.issuer, audiences: [] } }, 'http-api.trust.audiences: got []; expected at least one audience'],
    [
      '51 audiences',
      { trust: { issuer: V2.issuer, audiences: Array.from({ length: 51 }, (_, i) => `api://a${i}`) } },
      'got "51 audiences"; expected at most 50',
    ],
    [
      'v2 issuer with an App ID URI audience',
      { trust: { issuer: V2.issuer, audiences: ['api://orders'] } },
      "expected the API app's client id (a GUID): v2 tokens",
    ],
    [
      'v1 issuer with a client id audience',
      { trust: { issuer: `https://sts.windows.net/${TENANT}/`, audiences: [CLIENT] } },
      'expected the App ID URI (e.g. api://orders): v1 tokens',
    ],
    ['11 scopes on a route', { routes: [{ routeKey: 'GET /x', scopes: Array.from({ length: 11 }, (_, i) => `s${i}`) }] }, 'http-api.routes[0].scopes: got'],
    [
      'duplicate route keys',
      { routes: [{ routeKey: 'GET /x' }, { routeKey: 'GET /x' }] },
      'http-api.routes[1].routeKey: got "GET /x"; expected each route key once',
    ],
    ['bad route key', { routes: [{ routeKey: 'FETCH /x' }] }, 'http-api.routes[0].routeKey: got "FETCH /x"; expected METHOD /path'],
    ['greedy segment not last', { routes: [{ routeKey: 'GET /{proxy+}/x' }] }, 'expected a greedy {name+} segment only at the end'],
    ['no routes', { routes: [] }, 'http-api.routes: got []; expected at least one route'],
    ['public route with scopes', { routes: [{ routeKey: 'GET /x', public: true, scopes: ['a'] }] }, 'expected either public: true or scopes, not both'],
    ['bad name', { name: 'orders api' }, 'http-api.name: got "orders api"'],
    ['bad http url', { integration: { httpUrl: 'ftp://x' } }, 'integration.httpUrl: got "ftp://x"'],
    ['missing lambda folder', { integration: { lambdaDir: '/nope/not-here' } }, 'integration.lambdaDir: got "/nope/not-here"; expected a folder'],
  ];
  test.each(bad)('validation: %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

test('buildZip output is a valid zip that unzips to the sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zip-src-'));
  writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => 1;\n');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { packageLambda } = require('../../src/constructs') as typeof import('../../src/constructs');
  const { zipPath } = packageLambda(dir, mkdtempSync(join(tmpdir(), 'zip-out-')));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const out = require('node:child_process')
    .execFileSync('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip(), z.read("index.js").decode())', zipPath])
    .toString();
  expect(out).toBe('None exports.handler = async () => 1;\n\n');
});

test('a stale or planted zip under the expected name is replaced, never deployed as is', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { packageLambda } = require('../../src/constructs') as typeof import('../../src/constructs');
  const out = mkdtempSync(join(tmpdir(), 'zip-planted-'));
  const first = packageLambda(LAMBDA_DIR, out);
  writeFileSync(first.zipPath, 'not the code you think');
  const again = packageLambda(LAMBDA_DIR, out);
  expect(again.zipPath).toBe(first.zipPath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const digest = require('node:crypto').createHash('sha256').update(require('node:fs').readFileSync(again.zipPath)).digest('base64');
  expect(digest).toBe(again.sourceCodeHash);
});
