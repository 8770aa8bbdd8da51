/**
 * Fidelity suite, part 1: the claim checks of an HTTP API JWT authorizer (protocols.md §1),
 * each test named after the rule it pins. Everything goes through real HTTP on loopback.
 */
import { bearer, call, closeAll, gateway, jwtDefinition } from './helpers/gateway';
import { claimsFor, startTestIssuer, type TestIssuer } from './helpers/oidc-issuer';
import type { GatewayEmulator } from '../../../src/local/gateway';

const API = '00000000-0000-0000-0000-0000000000a1';
let issuer: TestIssuer;
let gw: GatewayEmulator;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(async () => {
  gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
});
afterEach(closeAll);

async function hello(claims: Record<string, unknown>, path = '/hello') {
  return call(`${gw.url}${path}`, { headers: bearer(await issuer.sign(claims)) });
}

function expectUnauthorized(answer: { status: number; body: unknown; headers: Headers }, description?: string) {
  expect(answer.status).toBe(401);
  expect(answer.body).toEqual({ message: 'Unauthorized' });
  const header = answer.headers.get('www-authenticate') ?? '';
  expect(header).toMatch(/^Bearer scope="" error="invalid_token" error_description="[^"]+"$/);
  if (description) expect(header).toContain(`error_description="${description}"`);
}

describe('JWT authorizer claim rules', () => {
  test('a valid v2 token passes and the integration sees its claims', async () => {
    const answer = await hello(claimsFor(issuer.issuer, API, now(), { azp: 'caller-app' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ routeKey: 'GET /hello', claims: { aud: API, azp: 'caller-app', sub: 'caller-sp' } });
  });

  test('exp: an expired token is refused with "the token has expired"', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, API, now(), { exp: now() - 1 })), 'the token has expired');
  });

  test('exp: must be strictly after now (exp == now is refused)', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, API, now(), { exp: now() })));
  });

  test('exp: a token without exp is refused', async () => {
    const claims = claimsFor(issuer.issuer, API);
    delete claims.exp;
    expectUnauthorized(await hello(claims));
  });

  test('nbf: a token not valid yet is refused', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, API, now(), { nbf: now() + 120 })), 'the token is not valid yet');
  });

  test('iat: a token issued in the future is refused', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, API, now(), { iat: now() + 120 })));
  });

  test('skew option: default 0 refuses a token expired 30 s ago, clockSkewSeconds 60 accepts it', async () => {
    const claims = claimsFor(issuer.issuer, API, now(), { exp: now() - 30 });
    expectUnauthorized(await hello(claims));
    const tolerant = await gateway({ definition: jwtDefinition(issuer.issuer, [API]), clockSkewSeconds: 60 });
    const answer = await call(`${tolerant.url}/hello`, { headers: bearer(await issuer.sign(claims)) });
    expect(answer.status).toBe(200);
  });

  test('skew option: nbf 30 s ahead passes only with clockSkewSeconds 60', async () => {
    const claims = claimsFor(issuer.issuer, API, now(), { nbf: now() + 30, iat: now() + 30 });
    expectUnauthorized(await hello(claims));
    const tolerant = await gateway({ definition: jwtDefinition(issuer.issuer, [API]), clockSkewSeconds: 60 });
    expect((await call(`${tolerant.url}/hello`, { headers: bearer(await issuer.sign(claims)) })).status).toBe(200);
  });

  test('skew option: an injected clock decides expiry (now option)', async () => {
    const claims = claimsFor(issuer.issuer, API, now());
    const later = await gateway({ definition: jwtDefinition(issuer.issuer, [API]), now: () => Date.now() + 3_600_000 });
    expectUnauthorized(await call(`${later.url}/hello`, { headers: bearer(await issuer.sign(claims)) }), 'the token has expired');
  });

  test('iss: a different issuer is refused', async () => {
    expectUnauthorized(await hello(claimsFor('https://login.microsoftonline.com/other/v2.0', API)), 'the token does not have a valid issuer');
  });

  test('iss: exact match, a trailing slash the authorizer does not have is refused', async () => {
    expectUnauthorized(await hello(claimsFor(`${issuer.issuer}/`, API)), 'the token does not have a valid issuer');
  });

  test('iss: exact match, a trailing slash the authorizer has must be in the token (v1 sts issuer)', async () => {
    const v1 = await startTestIssuer({ issuerPath: '/sts/tenant-1/' });
    try {
      const strict = await gateway({ definition: jwtDefinition(v1.issuer, ['api://orders']) });
      const withoutSlash = v1.issuer.replace(/\/$/, '');
      expectUnauthorized(await call(`${strict.url}/hello`, { headers: bearer(await v1.sign(claimsFor(withoutSlash, 'api://orders'))) }));
      expect((await call(`${strict.url}/hello`, { headers: bearer(await v1.sign(claimsFor(v1.issuer, 'api://orders'))) })).status).toBe(200);
    } finally {
      await v1.close();
    }
  });

  test('aud: a wrong audience is refused with the header AWS documents', async () => {
    const answer = await hello(claimsFor(issuer.issuer, 'api://someone-else'));
    expectUnauthorized(answer);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"');
  });

  test('aud: an array passes when one entry is configured', async () => {
    expect((await hello(claimsFor(issuer.issuer, ['https://graph.microsoft.com', API]))).status).toBe(200);
  });

  test('aud vs client_id: aud present but wrong, client_id right → 401 (aud decides)', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, 'api://wrong', now(), { client_id: API })), 'the token does not have a valid audience');
  });

  test('aud vs client_id: aud absent, client_id right → 200', async () => {
    expect((await hello(claimsFor(issuer.issuer, undefined, now(), { client_id: API }))).status).toBe(200);
  });

  test('aud vs client_id: aud absent, client_id wrong → 401', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, undefined, now(), { client_id: 'someone-else' })));
  });

  test('aud vs client_id: neither present → 401', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, undefined)));
  });

  test('v1 vs v2: a v1 token (sts issuer, App ID URI audience) passes a v1 authorizer', async () => {
    const v1 = await startTestIssuer({ issuerPath: '/sts/tenant-1/' });
    try {
      const v1Gateway = await gateway({ definition: jwtDefinition(v1.issuer, ['api://orders']) });
      const token = await v1.sign(claimsFor(v1.issuer, 'api://orders', now(), { appid: 'caller-app', ver: '1.0' }));
      const answer = await call(`${v1Gateway.url}/hello`, { headers: bearer(token) });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ claims: { appid: 'caller-app', ver: '1.0' } });
    } finally {
      await v1.close();
    }
  });

  test('v1 vs v2: a v1 token (App ID URI audience) is refused by a v2 authorizer (client id audience)', async () => {
    expectUnauthorized(await hello(claimsFor(issuer.issuer, 'api://orders', now(), { ver: '1.0' })), 'the token does not have a valid audience');
  });

  test('v1 vs v2: a v2 token is refused by an authorizer configured with the v1 sts issuer', async () => {
    const v1 = await startTestIssuer({ issuerPath: '/sts/tenant-1/' });
    try {
      const v1Gateway = await gateway({ definition: jwtDefinition(v1.issuer, [API, 'api://orders']) });
      const v2Token = await v1.sign(claimsFor(`${v1.url}/tenant-1/v2.0`, API, now(), { ver: '2.0' }));
      expectUnauthorized(await call(`${v1Gateway.url}/hello`, { headers: bearer(v2Token) }), 'the token does not have a valid issuer');
    } finally {
      await v1.close();
    }
  });
});
