import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, type JWTPayload, type KeyLike } from 'jose';
import type { AuthKind } from './types';

/** A header value an API must refuse, and how it was made. */
export interface NegativeCredential {
  readonly auth: Exclude<AuthKind, 'none' | 'valid-token' | 'other-audience'>;
  /** The full Authorization header value. Secret-derived: never log it. */
  readonly authorization: string;
}

let attackerKey: Promise<{ privateKey: KeyLike }> | undefined;

/** The attacker's RSA key; generated once per process (RSA generation is the slow part). */
function getAttackerKey(): Promise<{ privateKey: KeyLike }> {
  attackerKey ??= generateKeyPair('RS256', { modulusLength: 2048 });
  return attackerKey;
}

/** Starts generating the attacker key early, so the first gate run does not wait for it. */
export function warmUpForgery(): void {
  void getAttackerKey().catch(() => undefined);
}

/**
 * Builds the refusal probes from a real token: the same claims under an attacker's signature (with the
 * real `kid` and a new one), the real signature over a changed payload, `alg: none`, HS256 with an
 * attacker secret, an expired copy (attacker-signed, so it can only show refusal, not why), and three
 * malformed headers. Without a decodable token, made-up claims stand in.
 */
export async function forgeNegativeCredentials(realToken: string | undefined): Promise<NegativeCredential[]> {
  const { header, claims, parts } = readToken(realToken);
  const now = Math.floor(Date.now() / 1000);
  const { privateKey } = await getAttackerKey();
  const kid = typeof header['kid'] === 'string' ? header['kid'] : `guard-${randomUUID()}`;
  const keptHeader: Record<string, unknown> = { ...header, kid };
  const sign = (payload: JWTPayload, protectedHeader: Record<string, unknown>, key: KeyLike | Uint8Array, alg: string): Promise<string> =>
    new SignJWT(payload).setProtectedHeader({ ...protectedHeader, alg }).sign(key);
  const encode = (value: unknown): string => base64url.encode(JSON.stringify(value));

  const tamperedClaims = { ...claims, sub: `${String(claims.sub ?? 'subject')}-tampered`, exp: now + 3600 };
  const tampered = parts
    ? `${parts[0]}.${encode(tamperedClaims)}.${parts[2]}`
    : `${encode({ ...keptHeader, alg: 'RS256' })}.${encode(tamperedClaims)}.${base64url.encode(randomBytes(256))}`;
  const { x5t: _x5t, ...headerWithoutKeyHints } = keptHeader;
  const bearer = (token: string): string => `Bearer ${token}`;

  return [
    { auth: 'forged-signature-known-kid', authorization: bearer(await sign(claims, keptHeader, privateKey, 'RS256')) },
    { auth: 'forged-signature-new-kid', authorization: bearer(await sign(claims, { ...headerWithoutKeyHints, kid: `attacker-${randomUUID()}` }, privateKey, 'RS256')) },
    { auth: 'tampered-payload', authorization: bearer(tampered) },
    { auth: 'alg-none', authorization: bearer(`${encode({ ...keptHeader, alg: 'none' })}.${encode(claims)}.`) },
    { auth: 'hs256-attacker-secret', authorization: bearer(await sign(claims, keptHeader, randomBytes(32), 'HS256')) },
    { auth: 'expired-resigned', authorization: bearer(await sign({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, keptHeader, privateKey, 'RS256')) },
    { auth: 'bearer-without-token', authorization: 'Bearer' },
    { auth: 'garbage-token', authorization: bearer(`guard.${base64url.encode(randomBytes(24))}.probe`) },
    { auth: 'basic-auth', authorization: `Basic ${Buffer.from(`guard-probe:${base64url.encode(randomBytes(12))}`).toString('base64')}` },
  ];
}

interface ReadToken {
  header: Record<string, unknown>;
  claims: JWTPayload;
  parts?: [string, string, string];
}

function readToken(token: string | undefined): ReadToken {
  const now = Math.floor(Date.now() / 1000);
  const madeUp: ReadToken = {
    header: { typ: 'JWT' },
    claims: { iss: 'https://attacker.invalid/', aud: 'api://entra-api-guard-probe', sub: 'guard-probe', iat: now, nbf: now, exp: now + 3600 },
  };
  if (token === undefined) return madeUp;
  try {
    const header = decodeProtectedHeader(token) as Record<string, unknown>;
    const claims = decodeJwt(token);
    const split = token.split('.');
    const parts = split.length === 3 ? (split as [string, string, string]) : undefined;
    return { header, claims, ...(parts ? { parts } : {}) };
  } catch {
    return madeUp;
  }
}
