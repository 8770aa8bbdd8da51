/**
 * Fidelity suite, part 2: how the token is read and whose keys verify it — identity sources,
 * the `Bearer ` prefix, kid/JWKS/signature/algorithm rules, key fetching limits and caching,
 * scopes (401 vs 403) and the request-size quota.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { bearer, call, closeAll, gateway, jwtDefinition } from './helpers/gateway';
import { claimsFor, hs256WithPublicKey, rsaKey, startTestIssuer, unsignedToken, type TestIssuer } from './helpers/oidc-issuer';
import { createPublicKey } from 'node:crypto';

const API = '00000000-0000-0000-0000-0000000000a1';
let issuer: TestIssuer;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(closeAll);

const valid = (extra: Record<string, unknown> = {}) => issuer.sign(claimsFor(issuer.issuer, API, now(), extra));

function expectUnauthorized(answer: { status: number; body: unknown; headers: Headers }, withChallenge = true) {
  expect(answer.status).toBe(401);
  expect(answer.body).toEqual({ message: 'Unauthorized' });
  if (withChallenge) expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer scope="" error="invalid_token" error_description="[^"]+"$/);
}

describe('identity source and Bearer prefix', () => {
  test('missing Authorization header → 401 {"message":"Unauthorized"}', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(await call(`${gw.url}/hello`), false);
  });

  test('empty Authorization header → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: { authorization: '' } }), false);
  });

  test('a token without the Bearer prefix is taken whole and passes', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expect((await call(`${gw.url}/hello`, { headers: { authorization: await valid() } })).status).toBe(200);
  });

  test('"Bearer " with nothing after it → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: { authorization: 'Bearer ' } }), false);
  });

  test('lower-case "bearer " is not stripped by default (exact prefix) → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: { authorization: `bearer ${await valid()}` } }));
  });

  test('lower-case "bearer " is stripped with bearerPrefix "case-insensitive" → 200', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]), bearerPrefix: 'case-insensitive' });
    expect((await call(`${gw.url}/hello`, { headers: { authorization: `bearer ${await valid()}` } })).status).toBe(200);
  });

  test('identity source $request.querystring.NAME reads the token from the query string', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API], { identitySources: ['$request.querystring.access_token'] }) });
    expect((await call(`${gw.url}/hello?access_token=${await valid()}`)).status).toBe(200);
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer(await valid()) }), false);
  });

  test('identity source $request.header.NAME reads another header, case-insensitively', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API], { identitySources: ['$request.header.X-Api-Token'] }) });
    expect((await call(`${gw.url}/hello`, { headers: { 'x-api-token': await valid() } })).status).toBe(200);
  });
});

describe('keys, signature and algorithms', () => {
  test('kid: a kid that names no JWKS key → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const token = await issuer.sign(claimsFor(issuer.issuer, API), { kid: 'not-published' });
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer(token) }));
  });

  test('kid: a token without kid → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer(await issuer.sign(claimsFor(issuer.issuer, API), { kid: null })) }));
  });

  test('signature: signed by another key under the published kid → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const token = await issuer.sign(claimsFor(issuer.issuer, API), { privateKey: (await rsaKey(5)).privateKey });
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer(token) }));
  });

  test('signature: a payload changed after signing → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const [head, , sig] = (await valid()).split('.');
    const forged = Buffer.from(JSON.stringify(claimsFor(issuer.issuer, API, now(), { sub: 'admin' }))).toString('base64url');
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer(`${head}.${forged}.${sig}`) }));
  });

  test('alg none: an unsigned token → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const answer = await call(`${gw.url}/hello`, { headers: bearer(unsignedToken(claimsFor(issuer.issuer, API), issuer.kid)) });
    expectUnauthorized(answer);
    expect(answer.headers.get('www-authenticate')).toContain('signing method none is invalid');
  });

  test('HS256 signed with the public key (key confusion) → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const key = await rsaKey(0);
    const pem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer(hs256WithPublicKey(claimsFor(issuer.issuer, API), issuer.kid, pem)) }));
  });

  test('only RSA: an ES256 token → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await new SignJWT(claimsFor(issuer.issuer, API)).setProtectedHeader({ alg: 'ES256', kid: issuer.kid }).sign(privateKey);
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer(token) }));
  });

  test('RS384 is refused by default and accepted with algorithms option (uncertain)', async () => {
    const token = await issuer.sign(claimsFor(issuer.issuer, API), { alg: 'RS384' });
    const strict = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(await call(`${strict.url}/hello`, { headers: bearer(token) }));
    const lenient = await gateway({ definition: jwtDefinition(issuer.issuer, [API]), algorithms: ['RS256', 'RS384', 'RS512'] });
    expect((await call(`${lenient.url}/hello`, { headers: bearer(token) })).status).toBe(200);
  });

  test('a value that is not a JWT → 401', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(await call(`${gw.url}/hello`, { headers: bearer('not-a-jwt') }));
  });
});

describe('key fetching limits and caching', () => {
  test('discovery time-out: an issuer that never answers → 401 after the 1.5 s default time-out, which it names', async () => {
    const silent = await startTestIssuer({ hang: 'discovery' });
    try {
      const gw = await gateway({ definition: jwtDefinition(silent.issuer, [API]) });
      const answer = await call(`${gw.url}/hello`, { headers: bearer(await silent.sign(claimsFor(silent.issuer, API))) });
      expectUnauthorized(answer);
      expect(answer.headers.get('www-authenticate')).toContain('did not answer within 1500 ms');
    } finally {
      await silent.close();
    }
  });

  test('JWKS time-out: a JWKS endpoint that never answers → 401 (fetchTimeoutMs option)', async () => {
    const silent = await startTestIssuer({ hang: 'jwks' });
    try {
      const gw = await gateway({ definition: jwtDefinition(silent.issuer, [API]), fetchTimeoutMs: 300 });
      const answer = await call(`${gw.url}/hello`, { headers: bearer(await silent.sign(claimsFor(silent.issuer, API))) });
      expectUnauthorized(answer);
      expect(answer.headers.get('www-authenticate')).toContain('the JWKS did not answer within 300 ms');
    } finally {
      await silent.close();
    }
  });

  test('JWKS size: a JWKS over 150,000 bytes → 401; one just under passes', async () => {
    const big = await startTestIssuer({ jwksPadToBytes: 150_001 });
    const fits = await startTestIssuer({ jwksPadToBytes: 148_000 });
    try {
      const tooBig = await gateway({ definition: jwtDefinition(big.issuer, [API]) });
      const answer = await call(`${tooBig.url}/hello`, { headers: bearer(await big.sign(claimsFor(big.issuer, API))) });
      expectUnauthorized(answer);
      expect(answer.headers.get('www-authenticate')).toContain('larger than 150000 bytes');
      const ok = await gateway({ definition: jwtDefinition(fits.issuer, [API]) });
      expect((await call(`${ok.url}/hello`, { headers: bearer(await fits.sign(claimsFor(fits.issuer, API))) })).status).toBe(200);
    } finally {
      await Promise.all([big.close(), fits.close()]);
    }
  });

  test('cache: keys are fetched once and reused', async () => {
    const own = await startTestIssuer();
    try {
      const gw = await gateway({ definition: jwtDefinition(own.issuer, [API]) });
      for (let i = 0; i < 3; i += 1) expect((await call(`${gw.url}/hello`, { headers: bearer(await own.sign(claimsFor(own.issuer, API))) })).status).toBe(200);
      expect(own.fetches).toEqual({ discovery: 1, jwks: 1 });
    } finally {
      await own.close();
    }
  });

  test('cache: an unknown kid refetches the JWKS, at most once per unknownKidRefetchMs', async () => {
    const own = await startTestIssuer();
    try {
      const limited = await gateway({ definition: jwtDefinition(own.issuer, [API]) });
      const eager = await gateway({ definition: jwtDefinition(own.issuer, [API]), unknownKidRefetchMs: 0 });
      for (const gw of [limited, eager])
        expect((await call(`${gw.url}/hello`, { headers: bearer(await own.sign(claimsFor(own.issuer, API))) })).status).toBe(200);
      expect(own.fetches.jwks).toBe(2);
      const newKid = await own.rotate();
      const rotated = await own.sign(claimsFor(own.issuer, API), { kid: newKid, privateKey: (await rsaKey(2)).privateKey });
      // Default: no early refetch (the stricter reading of AWS's docs), so the new key stays unknown.
      expectUnauthorized(await call(`${limited.url}/hello`, { headers: bearer(rotated) }));
      expect(own.fetches.jwks).toBe(2);
      // With no window the unknown kid triggers one refetch, which finds the rotated key.
      expect((await call(`${eager.url}/hello`, { headers: bearer(rotated) })).status).toBe(200);
      expect(own.fetches.jwks).toBe(3);
    } finally {
      await own.close();
    }
  });

  test('cache: keys older than cacheTtlMs are fetched again', async () => {
    const own = await startTestIssuer();
    let clock = Date.now();
    try {
      const gw = await gateway({ definition: jwtDefinition(own.issuer, [API]), cacheTtlMs: 60_000, now: () => clock });
      const token = await own.sign(claimsFor(own.issuer, API, Math.floor(clock / 1000), { exp: Math.floor(clock / 1000) + 3600 }));
      expect((await call(`${gw.url}/hello`, { headers: bearer(token) })).status).toBe(200);
      clock += 30_000;
      expect((await call(`${gw.url}/hello`, { headers: bearer(token) })).status).toBe(200);
      expect(own.fetches.jwks).toBe(1);
      clock += 31_000;
      expect((await call(`${gw.url}/hello`, { headers: bearer(token) })).status).toBe(200);
      expect(own.fetches).toEqual({ discovery: 2, jwks: 2 });
    } finally {
      await own.close();
    }
  });

  test('cache: a TTL above 2 h is refused as a programming mistake', async () => {
    await expect(gateway({ definition: jwtDefinition(issuer.issuer, [API]), cacheTtlMs: 3 * 3_600_000 })).rejects.toThrow(TypeError);
  });
});

describe('scopes, 401 vs 403, request size', () => {
  test('scopes: scp as a space-separated string holding one route scope → 200', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const answer = await call(`${gw.url}/scoped`, { headers: bearer(await valid({ scp: 'profile orders.write' })) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ scopes: ['profile', 'orders.write'] });
  });

  test('scopes: scope as a space-separated string → 200', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expect((await call(`${gw.url}/scoped`, { headers: bearer(await valid({ scope: 'orders.read' })) })).status).toBe(200);
  });

  test('scopes: an array scp is not the documented space-delimited form, and grants nothing → 403', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expect((await call(`${gw.url}/scoped`, { headers: bearer(await valid({ scp: ['orders.read'] })) })).status).toBe(403);
    expect((await call(`${gw.url}/scoped`, { headers: bearer(await valid({ scope: ['orders.read'], scp: 'profile orders.read' })) })).status).toBe(200);
  });

  test('scopes: none of the route scopes → 403 {"message":"Forbidden"}', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const answer = await call(`${gw.url}/scoped`, { headers: bearer(await valid({ scp: 'profile' })) });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ message: 'Forbidden' });
  });

  test('scopes: an app-only token (roles, no scp) on a scoped route → 403', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expect((await call(`${gw.url}/scoped`, { headers: bearer(await valid({ roles: ['orders.read'] })) })).status).toBe(403);
  });

  test('401 vs 403: an invalid token on a scoped route is 401, not 403', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expectUnauthorized(
      await call(`${gw.url}/scoped`, { headers: bearer(await issuer.sign(claimsFor(issuer.issuer, 'api://wrong', now(), { scp: 'orders.read' }))) }),
    );
  });

  test('header too large: request line + headers over 10,240 bytes → 431 (uncertain; option)', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    const answer = await call(`${gw.url}/open`, { headers: { 'x-padding': 'p'.repeat(10_300) } });
    expect(answer.status).toBe(431);
    expect(answer.body).toEqual({ message: 'Request Header Fields Too Large' });
    const alt = await gateway({ definition: jwtDefinition(issuer.issuer, [API]), headerTooLargeStatus: 413 });
    expect((await call(`${alt.url}/open`, { headers: { 'x-padding': 'p'.repeat(10_300) } })).status).toBe(413);
  });

  test('header size: a request just under 10,240 bytes passes', async () => {
    const gw = await gateway({ definition: jwtDefinition(issuer.issuer, [API]) });
    expect((await call(`${gw.url}/open`, { headers: { 'x-padding': 'p'.repeat(9_800) } })).status).toBe(200);
  });
});
