/** The one JWKS fetcher (gateway emulator, Entra emulator, gate): discovery, byte cap, time-out and cache policy as parameters. */
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import { listen, sendJson, type RunningServer } from '../../src/local/server';
import { JwksFetcher, KeyFetchError } from '../../src/token/jwks-fetcher';

interface Issuer {
  readonly server: RunningServer;
  readonly issuer: string;
  readonly fetches: { discovery: number; jwks: number };
  /** What the JWKS serves next. */
  keys: JWK[];
}

const rsa = async (kid: string): Promise<JWK> => ({ ...(await exportJWK(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)), kid, use: 'sig' });
let rsa1: JWK;
let rsa2: JWK;
let ec: JWK;
const servers: RunningServer[] = [];

beforeAll(async () => {
  [rsa1, rsa2] = await Promise.all([rsa('rsa-1'), rsa('rsa-2')]);
  ec = { ...(await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)), kid: 'ec-1' };
});
afterAll(() => Promise.all(servers.map((server) => server.close())));

/** An issuer on loopback whose discovery document sits at `discoveryPath` under it. */
async function startIssuer(keys: JWK[], discoveryPath = '/.well-known/openid-configuration'): Promise<Issuer> {
  const state = { fetches: { discovery: 0, jwks: 0 }, keys };
  const server = await listen((req, res) => {
    if (req.url === `/tenant${discoveryPath}`) {
      state.fetches.discovery += 1;
      sendJson(res, 200, { jwks_uri: `${server.url}/tenant/keys` });
    } else if (req.url === '/tenant/keys') {
      state.fetches.jwks += 1;
      sendJson(res, 200, { keys: state.keys });
    } else sendJson(res, 404, {});
  });
  servers.push(server);
  return Object.assign(state, { server, issuer: `${server.url}/tenant` });
}

describe('JwksFetcher', () => {
  test('keys are imported once per fetch: repeated lookups reuse the same key object and fetch nothing', async () => {
    const issuer = await startIssuer([rsa1]);
    const fetcher = new JwksFetcher();
    const first = await fetcher.keyFor(issuer.issuer, 'rsa-1');
    const second = await fetcher.keyFor(issuer.issuer, 'rsa-1');
    expect(first?.key.asymmetricKeyType).toBe('rsa');
    expect(second?.key).toBe(first?.key);
    expect(first?.jwk).toEqual({ kty: 'RSA', n: rsa1.n, e: rsa1.e, kid: 'rsa-1' });
    expect(issuer.fetches).toEqual({ discovery: 1, jwks: 1 });
  });

  test('default policy (API Gateway): an unknown kid does not refetch before the cache expires', async () => {
    const issuer = await startIssuer([rsa1]);
    let now = 1_000_000;
    const fetcher = new JwksFetcher({ now: () => now, cacheTtlMs: 60_000 });
    await fetcher.keyFor(issuer.issuer, 'rsa-1');
    issuer.keys = [rsa2];
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-2')).toBeUndefined();
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-1')).toBeDefined(); // withdrawn, still cached
    expect(issuer.fetches.jwks).toBe(1);
    now += 60_000;
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-2')).toBeDefined();
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-1')).toBeUndefined();
    expect(issuer.fetches.jwks).toBe(2);
  });

  test('unknownKidRefetchMs: an unknown kid refetches once the keys are that old; concurrent lookups share one fetch', async () => {
    const issuer = await startIssuer([rsa1]);
    let now = 1_000_000;
    const fetcher = new JwksFetcher({ now: () => now, unknownKidRefetchMs: 5_000 });
    // A kid missing from keys fetched for this very lookup is not fetched again.
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-2')).toBeUndefined();
    expect(issuer.fetches.jwks).toBe(1);
    issuer.keys = [rsa1, rsa2];
    now += 4_999;
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-2')).toBeUndefined();
    expect(issuer.fetches.jwks).toBe(1);
    now += 1;
    const found = await Promise.all([1, 2, 3].map(() => fetcher.keyFor(issuer.issuer, 'rsa-2')));
    expect(found.every((key) => key?.jwk.kid === 'rsa-2')).toBe(true);
    expect(issuer.fetches.jwks).toBe(2);
  });

  test('only RSA signing keys are kept; an EC key or a key for encryption is not found', async () => {
    const issuer = await startIssuer([ec, { ...rsa2, use: 'enc' }, rsa1]);
    const fetcher = new JwksFetcher();
    expect(await fetcher.keyFor(issuer.issuer, 'ec-1')).toBeUndefined();
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-2')).toBeUndefined();
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-1')).toBeDefined();
  });

  test('discoveryUrl places the discovery document', async () => {
    const issuer = await startIssuer([rsa1], '/v2.0/.well-known/openid-configuration');
    expect(await new JwksFetcher().keyFor(issuer.issuer, 'rsa-1').catch((error: unknown) => error)).toBeInstanceOf(KeyFetchError);
    const fetcher = new JwksFetcher({ discoveryUrl: (iss) => `${iss}/v2.0/.well-known/openid-configuration` });
    expect(await fetcher.keyFor(issuer.issuer, 'rsa-1')).toBeDefined();
  });

  test('byte cap and time-out fail with a KeyFetchError naming the document and its URL', async () => {
    const issuer = await startIssuer([rsa1, rsa2]);
    const capped = await new JwksFetcher({ maxJwksBytes: 500 }).keyFor(issuer.issuer, 'rsa-1').catch((error: unknown) => error);
    expect(capped).toMatchObject({ code: 'ERR_JWKS_FETCH', description: 'the JWKS is larger than 500 bytes', url: `${issuer.issuer}/keys` });
    const silent = await listen(() => undefined);
    servers.push(silent);
    const slow = await new JwksFetcher({ fetchTimeoutMs: 100 }).keyFor(silent.url, 'rsa-1').catch((error: unknown) => error);
    expect(slow).toMatchObject({ description: 'the discovery document did not answer within 100 ms', url: `${silent.url}/.well-known/openid-configuration` });
  });

  test('policy values are checked', () => {
    expect(() => new JwksFetcher({ cacheTtlMs: -1 })).toThrow('cacheTtlMs: got -1; expected a non-negative number');
    expect(() => new JwksFetcher({ fetchTimeoutMs: Number.NaN })).toThrow(TypeError);
  });
});
