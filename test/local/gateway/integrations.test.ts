/** AWS_PROXY (payload 2.0, in-process, from a zip or a directory), HTTP_PROXY, ECHO and the access log. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, readBody, sendJson } from '../../../src/local/server';
import type { HttpApiEventV2, LambdaHandler } from '../../../src/local/gateway';
import { readZip } from '../../../src/local/gateway';
import { bearer, call, closeAll, gateway, jwtDefinition, track } from './helpers/gateway';
import { claimsFor, startTestIssuer, type TestIssuer } from './helpers/oidc-issuer';
import { buildZip } from './helpers/zip';

const API = '00000000-0000-0000-0000-0000000000a1';
let issuer: TestIssuer;
let scratch: string;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startTestIssuer();
  scratch = mkdtempSync(join(tmpdir(), 'gateway-test-'));
});
afterAll(async () => {
  await issuer.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(closeAll);

function lambdaGateway(lambda: LambdaHandler, routeKey = 'POST /items/{id}', scopes?: string[]) {
  return gateway({
    definition: {
      apiId: 'abc123',
      authorizers: [{ id: 'entra', issuer: issuer.issuer, audiences: [API] }],
      routes: [
        {
          routeKey,
          authorizationType: 'JWT',
          authorizerId: 'entra',
          ...(scopes ? { authorizationScopes: scopes } : {}),
          integration: { type: 'AWS_PROXY', lambda },
        },
      ],
    },
  });
}

describe('AWS_PROXY payload format 2.0', () => {
  test('claims are strings: numbers and booleans as text, arrays as "[a b]"; scopes null without route scopes', async () => {
    let seen: HttpApiEventV2 | undefined;
    const gw = await lambdaGateway(async (event) => {
      seen = event;
      return { statusCode: 204 };
    });
    const exp = now() + 600; // read once: a second boundary between sign and assert must not matter
    const token = await issuer.sign(claimsFor(issuer.issuer, API, now(), { roles: ['orders.read', 'orders.write'], xms_flag: true, exp }));
    const answer = await call(`${gw.url}/items/42?x=1&x=2&y=3`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json', cookie: 'a=1; b=2' },
      body: '{"n":1}',
    });
    expect(answer.status).toBe(204);
    const claims = seen?.requestContext.authorizer?.jwt.claims;
    expect(claims?.roles).toBe('[orders.read orders.write]');
    expect(claims?.xms_flag).toBe('true');
    expect(claims?.exp).toBe(String(exp));
    expect(seen?.requestContext.authorizer?.jwt.scopes).toBeNull();
    expect(seen).toMatchObject({
      version: '2.0',
      routeKey: 'POST /items/{id}',
      rawPath: '/items/42',
      rawQueryString: 'x=1&x=2&y=3',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { x: '1,2', y: '3' },
      pathParameters: { id: '42' },
      body: '{"n":1}',
      isBase64Encoded: false,
      requestContext: {
        apiId: 'abc123',
        stage: '$default',
        routeKey: 'POST /items/{id}',
        http: { method: 'POST', path: '/items/42', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      },
    });
    expect(seen?.requestContext.requestId).toBe(answer.headers.get('apigw-requestid'));
    expect(seen?.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
  });

  test('scopes: a scoped route hands the token scopes to the integration', async () => {
    let seen: HttpApiEventV2 | undefined;
    const gw = await lambdaGateway(
      (event) => {
        seen = event;
        return 'ok';
      },
      'GET /s',
      ['orders.read'],
    );
    await call(`${gw.url}/s`, { headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API, now(), { scp: 'orders.read profile' }))) });
    expect(seen?.requestContext.authorizer?.jwt.scopes).toEqual(['orders.read', 'profile']);
  });

  test('a binary request body reaches the Lambda base64-encoded, byte for byte', async () => {
    let seen: HttpApiEventV2 | undefined;
    const gw = await lambdaGateway((event) => {
      seen = event;
      return { statusCode: 200 };
    });
    const bytes = Buffer.from([0, 255, 128, 10, 13, 0xc3]);
    await fetch(`${gw.url}/items/1`, {
      method: 'POST',
      headers: { ...bearer(await issuer.sign(claimsFor(issuer.issuer, API))), 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(seen?.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen?.body ?? '', 'base64').equals(bytes)).toBe(true);
  });

  test('a full proxy response sets status, headers, cookies and a base64 body', async () => {
    const gw = await lambdaGateway(async () => ({
      statusCode: 201,
      headers: { 'X-Result': 'made' },
      cookies: ['s=1'],
      body: Buffer.from('binary!').toString('base64'),
      isBase64Encoded: true,
    }));
    const response = await fetch(`${gw.url}/items/1`, { method: 'POST', headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API))) });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-result')).toBe('made');
    expect(response.headers.get('set-cookie')).toBe('s=1');
    expect(await response.text()).toBe('binary!');
  });

  test('a bare object → 200 application/json', async () => {
    const gw = await lambdaGateway(async () => ({ hello: 'world' }));
    const answer = await call(`${gw.url}/items/1`, { method: 'POST', headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API))) });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.body).toEqual({ hello: 'world' });
  });

  test('a bare string → 200 JSON string', async () => {
    const gw = await lambdaGateway(() => 'hi');
    expect(await call(`${gw.url}/items/1`, { method: 'POST', headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API))) })).toMatchObject({
      status: 200,
      body: 'hi',
    });
  });

  test('a callback-style handler works', async () => {
    const gw = await lambdaGateway((_event, _context, callback) => {
      setTimeout(() => callback?.(null, { statusCode: 202, body: 'later' }), 5);
    });
    expect(await call(`${gw.url}/items/1`, { method: 'POST', headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API))) })).toMatchObject({
      status: 202,
      body: 'later',
    });
  });

  test('a throwing handler → 500 {"message":"Internal Server Error"}, logged', async () => {
    const gw = await lambdaGateway(async () => {
      throw new Error('boom');
    });
    expect(await call(`${gw.url}/items/1`, { method: 'POST', headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API))) })).toMatchObject({
      status: 500,
      body: { message: 'Internal Server Error' },
    });
    expect(JSON.parse(gw.accessLog[0] as string).integrationError).toContain('boom');
  });

  test('Lambda from a zip: the handler file is unpacked and required', async () => {
    const zipPath = join(scratch, 'fn.zip');
    writeFileSync(
      zipPath,
      buildZip({
        'index.js':
          "const { shout } = require('./lib/util'); exports.handler = async (event) => ({ statusCode: 200, body: shout(event.requestContext.authorizer.jwt.claims.sub) });",
        'lib/util.js': 'exports.shout = (s) => s.toUpperCase();',
      }),
    );
    expect(readZip(readFileSync(zipPath)).map((e) => e.name)).toEqual(['index.js', 'lib/util.js']);
    const gw = await gateway({
      definition: {
        ...jwtDefinition(issuer.issuer, [API], {
          routes: [
            {
              routeKey: 'GET /zip',
              authorizationType: 'JWT',
              authorizerId: 'entra',
              integration: { type: 'AWS_PROXY', lambda: { zipPath, handler: 'index.handler' } },
            },
          ],
        }),
      },
    });
    expect(await call(`${gw.url}/zip`, { headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API))) })).toMatchObject({
      status: 200,
      body: 'CALLER-SP',
    });
  });

  test('Lambda from a directory, and a missing export fails at start with one line', async () => {
    const dir = join(scratch, 'fn-dir');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.js'), 'exports.main = async () => ({ from: "directory" });');
    const gw = await gateway({
      definition: { authorizers: [], routes: [{ routeKey: 'GET /dir', integration: { type: 'AWS_PROXY', lambda: { directory: dir, handler: 'app.main' } } }] },
    });
    expect((await call(`${gw.url}/dir`)).body).toEqual({ from: 'directory' });
    await expect(
      gateway({
        definition: {
          authorizers: [],
          routes: [{ routeKey: 'GET /dir', integration: { type: 'AWS_PROXY', lambda: { directory: dir, handler: 'app.nope' } } }],
        },
      }),
    ).rejects.toMatchObject({
      code: 'ERR_LAMBDA_LOAD',
      message: 'lambda handler: got "app.nope"; expected app to export a function named nope',
    });
  });

  test('a corrupt zip fails at start with ERR_LAMBDA_LOAD', async () => {
    const zipPath = join(scratch, 'bad.zip');
    writeFileSync(zipPath, 'not a zip at all');
    await expect(
      gateway({
        definition: { authorizers: [], routes: [{ routeKey: 'GET /z', integration: { type: 'AWS_PROXY', lambda: { zipPath, handler: 'index.handler' } } }] },
      }),
    ).rejects.toMatchObject({ code: 'ERR_LAMBDA_LOAD' });
  });
});

describe('HTTP_PROXY and access log', () => {
  test('HTTP_PROXY forwards method, {proxy} path, query, headers and body, and relays the answer', async () => {
    const backend = track(
      await listen(async (req, res) => {
        sendJson(
          res,
          207,
          { method: req.method, url: req.url, auth: Boolean(req.headers.authorization), xff: req.headers['x-forwarded-for'], body: await readBody(req) },
          { 'x-backend': 'yes' },
        );
      }),
    );
    const gw = await gateway({
      definition: jwtDefinition(issuer.issuer, [API], {
        routes: [
          {
            routeKey: 'ANY /api/{proxy+}',
            authorizationType: 'JWT',
            authorizerId: 'entra',
            integration: { type: 'HTTP_PROXY', uri: `${backend.url}/v1/{proxy}` },
          },
        ],
      }),
    });
    const answer = await call(`${gw.url}/api/orders/9?expand=1`, {
      method: 'PUT',
      headers: { ...bearer(await issuer.sign(claimsFor(issuer.issuer, API))), 'content-type': 'text/plain' },
      body: 'payload',
    });
    expect(answer.status).toBe(207);
    expect(answer.headers.get('x-backend')).toBe('yes');
    expect(answer.body).toEqual({ method: 'PUT', url: '/v1/orders/9?expand=1', auth: true, xff: '127.0.0.1', body: 'payload' });
  });

  test('HTTP_PROXY to a backend that is down → 503 {"message":"Service Unavailable"}', async () => {
    const backend = await listen((_req, res) => sendJson(res, 200, {}));
    const deadUrl = backend.url;
    await backend.close();
    const gw = await gateway({
      definition: { authorizers: [], routes: [{ routeKey: 'GET /down', integration: { type: 'HTTP_PROXY', uri: `${deadUrl}/x` } }] },
    });
    expect(await call(`${gw.url}/down`)).toMatchObject({ status: 503, body: { message: 'Service Unavailable' } });
  });

  test('access log: one JSON line per request with requestId, routeKey, status, authorizer error and integration latency', async () => {
    const lines: string[] = [];
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]), accessLog: (line) => lines.push(line) });
    const ok = await call(`${gw.url}/hello`, { headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API))) });
    await call(`${gw.url}/hello`, { headers: bearer(await issuer.sign(claimsFor(issuer.issuer, 'api://wrong'))) });
    await call(`${gw.url}/nowhere`);
    expect(lines).toEqual(gw.accessLog);
    const records = lines.map((line) => JSON.parse(line));
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      requestId: ok.headers.get('apigw-requestid'),
      routeKey: 'GET /hello',
      status: 200,
      authorizerError: '-',
      integrationStatus: 200,
    });
    expect(typeof records[0].integrationLatency).toBe('number');
    expect(records[1]).toMatchObject({
      routeKey: 'GET /hello',
      status: 401,
      authorizerError: 'the token does not have a valid audience',
      integrationLatency: '-',
    });
    expect(records[2]).toMatchObject({ routeKey: '-', status: 404 });
    // Tokens never reach the log.
    expect(lines.join('\n')).not.toMatch(/eyJ/);
  });
});
