import { createHmac, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { ParsedToken } from './types';

/** base64url of a value's JSON: one JWS segment. */
export function segment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/** `header.payload.signature` from a header and claims (the signature segment as given). */
export function compact(header: Readonly<Record<string, unknown>>, claims: Readonly<Record<string, unknown>>, signature: string): string {
  return `${segment(header)}.${segment(claims)}.${signature}`;
}

/** RS256 with the attacker's key: a real signature that no trusted key verifies. */
export function signRs256(header: Readonly<Record<string, unknown>>, claims: Readonly<Record<string, unknown>>, key: KeyObject): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ ...header, alg: 'RS256' }).sign(key);
}

/** HS256 keyed with `secret` (node:crypto: jose refuses the empty and non-random keys these attacks need). */
export function signHs256(header: Readonly<Record<string, unknown>>, claims: Readonly<Record<string, unknown>>, secret: string | Uint8Array): string {
  const input = `${segment({ ...header, alg: 'HS256' })}.${segment(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The genuine header without the hints that name its certificate (a forged token must not carry them). */
export function withoutKeyHints(header: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { x5t: _x5t, 'x5t#S256': _x5tS256, x5c: _x5c, jku: _jku, x5u: _x5u, jwk: _jwk, nonce: _nonce, ...rest } = header;
  return rest;
}

/** A key id no issuer published. */
export function attackerKid(): string {
  return `attacker-${randomUUID()}`;
}

/**
 * Splits a genuine token for the attacks. Without a decodable token, made-up claims stand in (the
 * attacks still show refusal, though not of anything derived from a real token).
 */
export function parseToken(token: string | undefined, nowSeconds: number): ParsedToken {
  const madeUpKid = attackerKid();
  const madeUp: ParsedToken = {
    header: { typ: 'JWT', kid: madeUpKid },
    claims: {
      iss: 'https://issuer.entra-api-guard.invalid/',
      aud: 'api://entra-api-guard-probe',
      sub: 'guard-probe',
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + 3600,
    },
    kid: madeUpKid,
  };
  if (token === undefined) return madeUp;
  try {
    const header = decodeProtectedHeader(token) as Record<string, unknown>;
    const claims = decodeJwt(token) as Record<string, unknown>;
    const split = token.split('.');
    const kid = typeof header['kid'] === 'string' ? header['kid'] : attackerKid();
    return { header: { ...header, kid }, claims, kid, ...(split.length === 3 ? { parts: split as [string, string, string] } : {}) };
  } catch {
    return madeUp;
  }
}
