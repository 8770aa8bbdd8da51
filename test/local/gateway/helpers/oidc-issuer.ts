import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWK } from 'jose';
import { listen, sendJson, type RunningServer } from '../../../../src/local/server';

/** A tiny OIDC issuer for gateway tests: discovery + JWKS on loopback, and a token signer. */
export interface TestIssuer {
  /** Base URL of the server. */
  readonly url: string;
  /** The `iss` value tokens carry and authorizers are configured with. */
  readonly issuer: string;
  readonly kid: string;
  /** How many times discovery and the JWKS were fetched. */
  readonly fetches: { discovery: number; jwks: number };
  /** Signs `claims` (RS256 with the published key unless told otherwise). */
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** Publishes another key (rotation) and returns its kid. */
  rotate(): Promise<string>;
  /** Stops publishing a key (the end of a rotation's grace period). */
  withdraw(kid: string): void;
  close(): Promise<void>;
}

export interface SignOptions {
  readonly kid?: string | null;
  readonly alg?: 'RS256' | 'RS384' | 'RS512';
  /** Signs with this private key instead of the published one (same kid unless `kid` is given). */
  readonly privateKey?: KeyObject;
}

export interface TestIssuerOptions {
  /** Path of the issuer under the server URL, e.g. `/tenant/v2.0` or `/sts/tenant/`. */
  readonly issuerPath?: string;
  /** Never answer this endpoint (time-out tests). */
  readonly hang?: 'discovery' | 'jwks';
  /** Pads the JWKS body to at least this many bytes (size-limit tests). */
  readonly jwksPadToBytes?: number;
}

interface KeyEntry {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

const sharedKeys: KeyEntry[] = [];

/** RSA key generation is slow, so test files share keys by index. */
export async function rsaKey(index: number): Promise<KeyEntry> {
  while (sharedKeys.length <= index) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `test-key-${sharedKeys.length}`;
    sharedKeys.push({ kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } });
  }
  return sharedKeys[index] as KeyEntry;
}

export async function startTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const published: KeyEntry[] = [await rsaKey(0)];
  const fetches = { discovery: 0, jwks: 0 };
  const issuerPath = options.issuerPath ?? '/tenant-1/v2.0';
  const base = issuerPath.replace(/\/+$/, '');
  const server: RunningServer = await listen((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === `${base}/.well-known/openid-configuration`) {
      fetches.discovery += 1;
      if (options.hang === 'discovery') return;
      sendJson(res, 200, { issuer: `${server?.url}${issuerPath}`, jwks_uri: `${server?.url}${base}/discovery/keys` });
      return;
    }
    if (path === `${base}/discovery/keys`) {
      fetches.jwks += 1;
      if (options.hang === 'jwks') return;
      const body: Record<string, unknown> = { keys: published.map((key) => key.publicJwk) };
      if (options.jwksPadToBytes) body.padding = 'x'.repeat(options.jwksPadToBytes);
      sendJson(res, 200, body);
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
  });
  const running = server;
  const issuer = `${running.url}${issuerPath}`;
  return {
    url: running.url,
    issuer,
    kid: (published[0] as KeyEntry).kid,
    fetches,
    async sign(claims, signOptions = {}) {
      const key = published[0] as KeyEntry;
      const header: { alg: string; kid?: string } = { alg: signOptions.alg ?? 'RS256' };
      const kid = signOptions.kid === undefined ? key.kid : signOptions.kid;
      if (kid !== null) header.kid = kid;
      return new SignJWT(claims).setProtectedHeader(header).sign(signOptions.privateKey ?? key.privateKey);
    },
    async rotate() {
      const next = await rsaKey(published.length + 1);
      published.unshift(next);
      return next.kid;
    },
    withdraw(kid) {
      const index = published.findIndex((key) => key.kid === kid);
      if (index >= 0) published.splice(index, 1);
    },
    close: () => running.close(),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`). */
export function unsignedToken(claims: Record<string, unknown>, kid: string): string {
  return `${b64({ alg: 'none', kid })}.${b64(claims)}.`;
}

/** The classic key-confusion forgery: HS256 with the issuer's public key (PEM) as the HMAC secret. */
export function hs256WithPublicKey(claims: Record<string, unknown>, kid: string, publicKeyPem: string): string {
  const input = `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', publicKeyPem).update(input).digest('base64url')}`;
}

/** Standard valid claims for `issuer`/`audience`, valid for 10 minutes from `nowSeconds`. */
export function claimsFor(
  issuer: string,
  audience: string | string[] | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: issuer,
    ...(audience === undefined ? {} : { aud: audience }),
    sub: 'caller-sp',
    iat: nowSeconds - 5,
    nbf: nowSeconds - 5,
    exp: nowSeconds + 600,
    ...extra,
  };
}
