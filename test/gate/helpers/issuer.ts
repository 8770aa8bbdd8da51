import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, type JWTPayload } from 'jose';

/** An in-process token issuer with one RSA key: signs Entra-shaped access tokens for tests. */
export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
  readonly jwks: JSONWebKeySet;
  readonly keySet: ReturnType<typeof createLocalJWKSet>;
  sign(claims?: JWTPayload, options?: { expiresInSeconds?: number; header?: Record<string, unknown> }): Promise<string>;
}

let shared: ReturnType<typeof generateKeyPair> | undefined;
let discovery: Promise<string> | undefined;

/**
 * One loopback server for every test issuer: `{issuer}/.well-known/openid-configuration` and the
 * JWKS, so the gate finds the issuer's keys (key confusion) without reaching the internet. It never
 * keeps a test process alive (unref'd, no keep-alive).
 */
function discoveryServer(jwks: JSONWebKeySet): Promise<string> {
  discovery ??= new Promise((resolve) => {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const body = path.endsWith('/.well-known/openid-configuration')
        ? { jwks_uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/discovery/keys` }
        : path === '/discovery/keys'
          ? jwks
          : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(body ?? { error: 'not_found' }));
    });
    server.on('connection', (socket) => socket.unref());
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    server.unref();
  });
  return discovery;
}

export async function createTestIssuer(options: { issuer?: string; audience?: string } = {}): Promise<TestIssuer> {
  shared ??= generateKeyPair('RS256', { modulusLength: 2048 });
  const { privateKey, publicKey } = await shared;
  const kid = 'test-key-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk] };
  // The default issuer is served on loopback (Entra's v2 shape), so the gate can fetch its keys.
  const issuer = options.issuer ?? `${await discoveryServer(jwks)}/11111111-2222-3333-4444-555555555555/v2.0`;
  const audience = options.audience ?? '99999999-8888-7777-6666-555555555555';
  return {
    issuer,
    audience,
    kid,
    jwks,
    keySet: createLocalJWKSet(jwks),
    async sign(claims = {}, signOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const defaults = {
        iss: issuer,
        aud: audience,
        sub: 'caller-sp-object-id',
        ver: '2.0',
        azp: 'caller-app',
        roles: ['Gate.Probe'],
        tid: '11111111-2222-3333-4444-555555555555',
      };
      return new SignJWT({ ...defaults, iat: now, nbf: now, exp: now + (signOptions.expiresInSeconds ?? 3600), ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, ...signOptions.header })
        .sign(privateKey);
    },
  };
}
