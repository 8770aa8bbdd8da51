import { compactVerify, decodeProtectedHeader } from 'jose';
import type { FlawCheck } from './authorizer-flaws';
import type { JwtAuthorizerDefinition } from './definition';
import { KeyFetchError, type JwksFetcher } from '../../token/jwks-fetcher';

export type RsaAlgorithm = 'RS256' | 'RS384' | 'RS512';

export interface JwtCheckOptions {
  /** Seconds of tolerance on exp/nbf/iat; AWS documents none, so **[uncertain]**. @default 0 */
  readonly clockSkewSeconds?: number;
  /**
   * RS256 is documented; RS384/RS512 are "RSA-based" too but unconfirmed, so **[uncertain]**.
   * @default ['RS256']
   */
  readonly algorithms?: readonly RsaAlgorithm[];
  /**
   * How the `Bearer ` prefix is stripped. AWS accepts "the token alone or `Bearer <token>`";
   * case handling is **[uncertain]**: 'exact' strips only `Bearer ` (any other value is taken whole
   * as the token), 'case-insensitive' also strips `bearer `/`BEARER `. @default 'exact'
   */
  readonly bearerPrefix?: 'exact' | 'case-insensitive';
  /** Clock in ms. @default Date.now */
  readonly now?: () => number;
  /** One deliberate defect (`local --break <attack>`, see authorizer-flaws.ts). @default none: strict */
  readonly authorizerFlaw?: FlawCheck;
}

export type AuthorizerOutcome =
  | { readonly ok: true; readonly claims: Record<string, unknown>; readonly scopes: string[] | null }
  | { readonly ok: false; readonly status: 401 | 403; readonly error: string; readonly challenge?: string };

/**
 * Runs the JWT authorizer checks in the documented order [AWS-JWT]: token present; `kid` names a
 * JWKS key; signature (RSA only); `iss`; `aud` (or `client_id` when `aud` is absent) [AWS-TS];
 * `exp`/`nbf`/`iat`; then the route's scopes against `scope`/`scp`.
 * The `error_description` texts follow AWS's documented one ("the token does not have a valid
 * audience"); the others are not published, so their wording is **[uncertain]**.
 */
export async function authorizeJwt(
  rawValue: string | undefined,
  authorizer: JwtAuthorizerDefinition,
  routeScopes: readonly string[] | undefined,
  keys: JwksFetcher,
  options: JwtCheckOptions = {},
): Promise<AuthorizerOutcome> {
  // Missing or empty identity source: AWS answers 401 before looking at any token. Whether a
  // www-authenticate header accompanies it is **[uncertain]**; none is sent.
  if (rawValue === undefined || rawValue.trim() === '') return { ok: false, status: 401, error: 'the identity source is missing or empty' };
  const token = stripBearer(rawValue, options.bearerPrefix ?? 'exact');
  const fail = unauthorized;
  const flawed = await options.authorizerFlaw?.({ rawValue, token, authorizer, keys, nowSeconds: (options.now ?? Date.now)() / 1000 });
  if (flawed) return checkClaims(flawed, authorizer, routeScopes, options);

  let header: { alg?: unknown; kid?: unknown };
  try {
    header = decodeProtectedHeader(token);
    if (token.split('.').length !== 3) return fail('the token is not a JWS compact serialization');
  } catch {
    return fail('the token is not a valid JWT');
  }
  const algorithms = options.algorithms ?? ['RS256'];
  if (typeof header.alg !== 'string' || !(algorithms as readonly string[]).includes(header.alg)) return fail(`signing method ${String(header.alg)} is invalid`);
  if (typeof header.kid !== 'string' || header.kid === '') return fail('the token has no kid');

  let found;
  try {
    found = await keys.keyFor(authorizer.issuer, header.kid);
  } catch (error) {
    if (error instanceof KeyFetchError) return fail(`the signing keys could not be fetched: ${error.description}`);
    throw error;
  }
  if (!found) return fail('the kid does not name a key in the JWKS');

  let claims: Record<string, unknown>;
  try {
    const { payload } = await compactVerify(token, found.key, { algorithms: [...algorithms] });
    const parsed: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('the token payload is not a JSON object');
    claims = parsed as Record<string, unknown>;
  } catch {
    return fail('the token signature is invalid');
  }
  return checkClaims(claims, authorizer, routeScopes, options);
}

/** `iss`, `aud`, `exp`/`nbf`/`iat`, then the route's scopes: the checks after the signature, in AWS's order. */
function checkClaims(
  claims: Record<string, unknown>,
  authorizer: JwtAuthorizerDefinition,
  routeScopes: readonly string[] | undefined,
  options: JwtCheckOptions,
): AuthorizerOutcome {
  const fail = unauthorized;
  // Exact string match: `https://x/` and `https://x` differ (trailing-slash tolerance is **[uncertain]** → none).
  if (claims.iss !== authorizer.issuer) return fail('the token does not have a valid issuer');
  if (!audienceMatches(claims, authorizer.audiences)) return fail('the token does not have a valid audience');

  const now = (options.now ?? Date.now)() / 1000;
  const skew = options.clockSkewSeconds ?? 0;
  if (typeof claims.exp !== 'number') return fail('the token has no exp claim');
  if (claims.exp + skew <= now) return fail('the token has expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf - skew > now)) return fail('the token is not valid yet');
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat - skew > now)) return fail('the token was issued in the future');

  const tokenScopes = scopesOf(claims);
  if (routeScopes && routeScopes.length > 0) {
    if (!routeScopes.some((scope) => tokenScopes.includes(scope)))
      return { ok: false, status: 403, error: 'the token has none of the route authorization scopes' };
    return { ok: true, claims, scopes: tokenScopes };
  }
  return { ok: true, claims, scopes: null };
}

function unauthorized(description: string): AuthorizerOutcome {
  return { ok: false, status: 401, error: description, challenge: challenge(description) };
}

export function stripBearer(value: string, mode: 'exact' | 'case-insensitive'): string {
  if (value.startsWith('Bearer ')) return value.slice(7);
  if (mode === 'case-insensitive' && /^bearer /i.test(value)) return value.slice(7);
  return value;
}

/** `aud` decides when present (string or array); `client_id` counts only when `aud` is absent [AWS-TS]. */
function audienceMatches(claims: Record<string, unknown>, audiences: readonly string[]): boolean {
  if (claims.aud !== undefined) {
    const values = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return values.some((value) => typeof value === 'string' && audiences.includes(value));
  }
  return typeof claims.client_id === 'string' && audiences.includes(claims.client_id);
}

/**
 * The token's scopes as a route's `authorizationScopes` see them [AWS-JWT]: the `scope` or `scp`
 * claim, a space-delimited string. A JSON array is not the documented form, so it grants no scope here
 * (the stricter reading **[uncertain]**); an issuer that sends arrays fails the route with 403.
 */
export function scopesOf(claims: Record<string, unknown>): string[] {
  const scopes: string[] = [];
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === 'string') scopes.push(...value.split(' ').filter(Boolean));
  }
  return scopes;
}

/** The header format AWS documents in http-api-troubleshooting-jwt. */
export function challenge(description: string): string {
  return `Bearer scope="" error="invalid_token" error_description="${description.replace(/["\\]/g, '')}"`;
}
