/**
 * Fidelity suite, part 3 (issue [4] item 8): API Gateway as AWS documents it today — the 2-hour key
 * cache and rotation with a grace period, payload 2.0 base64 rules, CORS loaded from the stack and
 * answered before the authorizer. Real HTTP through the gateway emulator.
 */
import { JwtHttpApi } from '../../../src/constructs';
import { gatewayFromStack, type HttpApiEventV2 } from '../../../src/local/gateway';
import { listen } from '../../../src/local/server';
import { synthStack } from '../../support/synth';
import { bearer, call, closeAll, gateway, jwtDefinition, track } from './helpers/gateway';
import { claimsFor, rsaKey, startTestIssuer, type TestIssuer } from './helpers/oidc-issuer';

const API = 'a1a1a1a1-0000-4000-8000-0000000000a1';
const HOUR = 3_600_000;
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer.close());
afterEach(closeAll);

describe('signing keys: cached for 2 h, rotation needs a grace period (AWS-JWT)', () => {
  test('a key signed with before it was published fails until the cache expires; a withdrawn key verifies until then', async () => {
    const own = await startTestIssuer();
    let clock = Date.now();
    const at = (ms: number) => Math.floor(ms / 1000);
    try {
      const gw = await gateway({ definition: jwtDefinition(own.issuer, [API]), now: () => clock });
      const old = await rsaKey(0);
      expect((await call(`${gw.url}/hello`, { headers: bearer(await own.sign(claimsFor(own.issuer, API, at(clock)))) })).status).toBe(200);

      // The issuer rotates without a grace period: signs with a new key at once and drops the old one.
      const newKid = await own.rotate();
      own.withdraw(old.kid);
      const fresh = (ms: number) => own.sign(claimsFor(own.issuer, API, at(ms)), { kid: newKid, privateKey: undefined });
      clock += 1 * HOUR;
      expect((await call(`${gw.url}/hello`, { headers: bearer(await fresh(clock)) })).status).toBe(401);
      // Tokens under the withdrawn key still pass: the gateway holds the keys it fetched.
      expect(
        (
          await call(`${gw.url}/hello`, {
            headers: bearer(await own.sign(claimsFor(own.issuer, API, at(clock)), { kid: old.kid, privateKey: old.privateKey })),
          })
        ).status,
      ).toBe(200);
      expect(own.fetches.jwks).toBe(1); // no early refetch on the unknown kid

      clock += 1 * HOUR + 1000; // past the 2-hour cache
      expect((await call(`${gw.url}/hello`, { headers: bearer(await fresh(clock)) })).status).toBe(200);
      expect(own.fetches.jwks).toBe(2);
      expect(
        (
          await call(`${gw.url}/hello`, {
            headers: bearer(await own.sign(claimsFor(own.issuer, API, at(clock)), { kid: old.kid, privateKey: old.privateKey })),
          })
        ).status,
      ).toBe(401);
    } finally {
      await own.close();
    }
  });

  test('with a grace period (the new key published before it signs) a rotation never fails a token', async () => {
    const own = await startTestIssuer();
    let clock = Date.now();
    const at = (ms: number) => Math.floor(ms / 1000);
    try {
      const newKid = await own.rotate(); // published now, used for signing only after the cache has turned over
      const next = await rsaKey(2);
      const gw = await gateway({ definition: jwtDefinition(own.issuer, [API]), now: () => clock });
      const old = await rsaKey(0);
      expect(
        (
          await call(`${gw.url}/hello`, {
            headers: bearer(await own.sign(claimsFor(own.issuer, API, at(clock)), { kid: old.kid, privateKey: old.privateKey })),
          })
        ).status,
      ).toBe(200);
      clock += 2 * HOUR + 1000;
      expect(
        (
          await call(`${gw.url}/hello`, {
            headers: bearer(await own.sign(claimsFor(own.issuer, API, at(clock)), { kid: newKid, privateKey: next.privateKey })),
          })
        ).status,
      ).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe('payload 2.0: which bodies arrive as base64', () => {
  test.each([
    ['text/plain; charset=utf-8', false],
    ['text/csv', false],
    ['application/json', false],
    ['application/xml', false],
    ['application/javascript', false],
    ['application/x-www-form-urlencoded', true],
    ['application/vnd.api+json', true],
    ['application/octet-stream', true],
    [undefined, true],
  ])('content type %s → isBase64Encoded %s', async (contentType, base64) => {
    let seen: HttpApiEventV2 | undefined;
    const gw = await gateway({
      definition: {
        authorizers: [],
        routes: [{ routeKey: 'POST /in', integration: { type: 'AWS_PROXY', lambda: (event) => ((seen = event), { statusCode: 204 }) } }],
      },
    });
    const body = 'a=1&b=two';
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    // fetch adds text/plain to a string body without a type: send bytes to keep the header absent.
    await fetch(`${gw.url}/in`, { method: 'POST', headers, body: contentType ? body : Buffer.from(body) });
    expect(seen?.isBase64Encoded).toBe(base64);
    expect(seen?.body).toBe(base64 ? Buffer.from(body).toString('base64') : body);
  });
});

describe('CORS from the stack, answered by the gateway before the authorizer (AWS-CORS)', () => {
  async function corsGateway(cors?: ConstructorParameters<typeof JwtHttpApi>[2]['cors']) {
    let integrationCalls = 0;
    const backend = track(
      await listen((req, res) => {
        integrationCalls += 1;
        // CORS headers of its own, which API Gateway must ignore when it has a CORS configuration.
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-allow-methods': 'DELETE' });
        res.end(JSON.stringify({ method: req.method }));
      }),
    );
    const { tf } = synthStack((stack) => {
      new JwtHttpApi(stack, 'http-api', {
        name: 'orders-api',
        trust: { issuer: issuer.issuer, audiences: [API] },
        routes: [{ routeKey: 'ANY /{proxy+}' }],
        integration: { httpUrl: `${backend.url}/{proxy}` },
        ...(cors ? { cors } : {}),
      });
    });
    const definition = gatewayFromStack(tf);
    const gw = await gateway({ definition });
    return { gw, definition, calls: () => integrationCalls };
  }
  const preflight = (origin: string) => ({
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });

  test('a preflight gets 204 with the configured headers, with no token, no route call and no integration call', async () => {
    const { gw, definition, calls } = await corsGateway({
      allowOrigins: ['https://app.example.com'],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['x-request-id'],
      maxAge: 300,
      allowCredentials: true,
    });
    expect(definition.cors).toEqual({
      allowOrigins: ['https://app.example.com'],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['x-request-id'],
      maxAge: 300,
      allowCredentials: true,
    });
    const answer = await call(`${gw.url}/orders`, preflight('https://app.example.com'));
    expect(answer.status).toBe(204);
    expect(Object.fromEntries([...answer.headers].filter(([name]) => name.startsWith('access-control-')))).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '300',
      'access-control-allow-credentials': 'true',
    });
    expect(calls()).toBe(0);
    // A path no route matches is answered the same way.
    expect((await call(`${gw.url}/`, preflight('https://app.example.com'))).status).toBe(204);
  });

  test("an origin not allowed: 204 without CORS headers; the integration's own CORS headers are replaced", async () => {
    const { gw } = await corsGateway({ allowOrigins: ['https://app.example.com'], exposeHeaders: ['x-request-id'] });
    const refused = await call(`${gw.url}/orders`, preflight('https://evil.example'));
    expect(refused.status).toBe(204);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const token = await issuer.sign(claimsFor(issuer.issuer, API));
    const answer = await call(`${gw.url}/orders`, { headers: { ...bearer(token), origin: 'https://app.example.com' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    const anonymous = await call(`${gw.url}/orders`, { headers: { origin: 'https://app.example.com' } });
    expect(anonymous.status).toBe(401);
  });

  test('scheme wildcards and *', async () => {
    const { gw } = await corsGateway({ allowOrigins: ['https://*'] });
    expect((await call(`${gw.url}/x`, preflight('https://any.example'))).headers.get('access-control-allow-origin')).toBe('https://any.example');
    expect((await call(`${gw.url}/x`, preflight('http://any.example'))).headers.get('access-control-allow-origin')).toBeNull();
    const star = await corsGateway({ allowOrigins: ['*'] });
    expect((await call(`${star.gw.url}/x`, preflight('http://any.example'))).headers.get('access-control-allow-origin')).toBe('*');
  });

  test('without a CORS configuration a preflight is an ordinary request: the authorizer refuses it', async () => {
    const { gw, calls } = await corsGateway();
    expect((await call(`${gw.url}/orders`, preflight('https://app.example.com'))).status).toBe(401);
    expect(calls()).toBe(0);
  });

  test('the construct refuses credentials with a wildcard origin', () => {
    expect(() =>
      synthStack(
        (stack) =>
          new JwtHttpApi(stack, 'http-api', {
            name: 'x',
            trust: { issuer: issuer.issuer, audiences: [API] },
            routes: [{ routeKey: 'GET /a' }],
            integration: { httpUrl: 'https://example.com' },
            cors: { allowOrigins: ['*'], allowCredentials: true },
          }),
      ),
    ).toThrow('http-api.cors.allowOrigins: got ["*"]; expected explicit origins when allowCredentials is true');
  });
});
