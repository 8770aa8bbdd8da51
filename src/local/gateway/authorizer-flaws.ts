import { createHmac, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { compactVerify, importJWK, type JWK, type KeyInput } from 'jose';
import { ALG_NONE_SPELLINGS, ATTACK_CODES, MAX_REQUEST_HEADER_BYTES, PSYCHIC_SIGNATURES, type AttackCode, type ConfusionForm } from '../../gate/attacks';
import type { JwtAuthorizerDefinition } from './definition';
import type { IssuerSigningKey, JwksFetcher } from '../../token/jwks-fetcher';

/**
 * Deliberate defects for the gateway emulator's JWT authorizer, one per attack in the gate's
 * registry (`local --break <attack>`), so every probe is shown to catch the flaw it targets. Off
 * unless asked for: the authorizer stays strict by default.
 *
 * A flaw sees a request before the strict checks. It either leaves the decision to them (undefined)
 * or hands back the claims a careless verifier would accept; when its defect is a skipped claim
 * check, it presents the claims as if that check had passed. The authorizer's own iss/aud/exp/nbf
 * and scope checks still run on what it returns, so each flaw is that one defect and no other.
 */
export const AUTHORIZER_FLAWS: readonly AttackCode[] = ATTACK_CODES;
export type AuthorizerFlaw = AttackCode;

export interface FlawContext {
  /** The identity source value as sent (e.g. `bearer eyJ…`). */
  readonly rawValue: string;
  /** The token after the strict `Bearer ` strip. */
  readonly token: string;
  readonly authorizer: JwtAuthorizerDefinition;
  readonly keys: JwksFetcher;
  readonly nowSeconds: number;
}

/** Claims a flawed authorizer accepts, or undefined to let the strict checks decide. */
export type FlawCheck = (context: FlawContext) => Promise<Record<string, unknown> | undefined>;

interface Decoded {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly parts: readonly string[];
}

/** Header and payload of a dot-separated token, without verifying anything (any segment count ≥ 2). */
function decode(token: string, payloadAt = 1): Decoded | undefined {
  const parts = token.split('.');
  try {
    const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[payloadAt] ?? '', 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, parts };
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A three-segment token with this alg, decoded unverified. */
function compactWith(token: string, alg: string | ((alg: unknown) => boolean)): Decoded | undefined {
  const decoded = decode(token);
  if (!decoded || decoded.parts.length !== 3) return undefined;
  const matches = typeof alg === 'string' ? decoded.header['alg'] === alg : alg(decoded.header['alg']);
  return matches ? decoded : undefined;
}

async function trustedKey(context: FlawContext, kid: unknown): Promise<IssuerSigningKey | undefined> {
  if (typeof kid !== 'string') return undefined;
  return context.keys.keyFor(context.authorizer.issuer, kid).catch(() => undefined);
}

async function verifiedWith(token: string, key: KeyInput, algorithms: string[]): Promise<Record<string, unknown> | undefined> {
  try {
    const { payload } = await compactVerify(token, key, { algorithms });
    const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
    return isObject(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

function hmacMatches(decoded: Decoded, secret: string | Buffer): boolean {
  const expected = createHmac('sha256', secret).update(`${decoded.parts[0]}.${decoded.parts[1]}`).digest();
  const given = Buffer.from(decoded.parts[2] ?? '', 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What a middleware that "lets it through" hands on: claims the later checks accept. */
function anyPrincipal(context: FlawContext): Record<string, unknown> {
  return { iss: context.authorizer.issuer, aud: context.authorizer.audiences[0], sub: 'flawed-authorizer', exp: context.nowSeconds + 300 };
}

/** RS256 tokens decoded without checking the signature, the claims then bent by `skip`. */
function unverified(skip: (claims: Record<string, unknown>, context: FlawContext) => Record<string, unknown>): FlawCheck {
  return async (context) => {
    const decoded = compactWith(context.token, 'RS256');
    return decoded ? skip(decoded.claims, context) : undefined;
  };
}

function hs256With(secretFor: (decoded: Decoded, context: FlawContext) => Promise<string | Buffer | undefined>): FlawCheck {
  return async (context) => {
    const decoded = compactWith(context.token, 'HS256');
    if (!decoded) return undefined;
    const secret = await secretFor(decoded, context);
    return secret !== undefined && hmacMatches(decoded, secret) ? decoded.claims : undefined;
  };
}

/**
 * The public key as a careless verifier hands it to HMAC. Derived here with node:crypto alone, not
 * with the gate's own helper, so a wrong form on either side shows up as a missed flaw.
 */
function publicKeyAs(key: KeyObject, jwk: JWK, form: ConfusionForm): string | Buffer {
  const pem = key.export({ type: 'spki', format: 'pem' }) as string;
  switch (form) {
    case 'pem':
      return pem.endsWith('\n') ? pem : `${pem}\n`;
    case 'pem-no-newline':
      return pem.replace(/\n+$/, '');
    case 'pkcs1':
      return key.export({ type: 'pkcs1', format: 'pem' });
    case 'jwk-json':
      return JSON.stringify(jwk);
    case 'der':
      return key.export({ type: 'spki', format: 'der' });
  }
}

const confusion = (form: ConfusionForm): FlawCheck =>
  hs256With(async (decoded, context) => {
    const found = await trustedKey(context, decoded.header['kid']);
    return found ? publicKeyAs(found.key as KeyObject, found.jwk, form) : undefined;
  });

const psychic =
  (signature: string): FlawCheck =>
  async (context) => {
    const decoded = compactWith(context.token, 'ES256');
    return decoded && decoded.parts[2] === signature ? decoded.claims : undefined;
  };

const embeddedJwk =
  (kidKnown: boolean): FlawCheck =>
  async (context) => {
    const decoded = compactWith(context.token, 'RS256');
    const jwk = decoded?.header['jwk'];
    if (!decoded || !isObject(jwk)) return undefined;
    const known = (await trustedKey(context, decoded.header['kid'])) !== undefined;
    if (known !== kidKnown) return undefined;
    return verifiedWith(context.token, await importJWK(jwk as unknown as JWK, 'RS256'), ['RS256']);
  };

const headerPointer =
  (name: 'jku' | 'x5u'): FlawCheck =>
  async (context) => {
    const decoded = compactWith(context.token, 'RS256');
    // Stands for "fetched the named keys and used them": the host never resolves, so nothing is fetched.
    return decoded && typeof decoded.header[name] === 'string' ? decoded.claims : undefined;
  };

const headerForm =
  (applies: (raw: string) => string | undefined): FlawCheck =>
  async (context) => {
    const token = applies(context.rawValue);
    return token === undefined ? undefined : decode(token)?.claims;
  };

/** The flaw behind each attack: the defect a probe is there to catch. */
function flawFor(code: AttackCode): FlawCheck {
  const none = ALG_NONE_SPELLINGS.find((spelling) => code === `alg-none${spelling.suffix}` || code === `alg-none${spelling.suffix}-kept-signature`);
  if (none) {
    const keptSignature = code.endsWith('-kept-signature');
    return async (context) => {
      const decoded = compactWith(context.token, none.alg);
      return decoded && (decoded.parts[2] !== '') === keptSignature ? decoded.claims : undefined;
    };
  }
  switch (code) {
    case 'forged-signature-known-kid':
      return async (context) => {
        const decoded = compactWith(context.token, 'RS256');
        return decoded && (await trustedKey(context, decoded.header['kid'])) ? decoded.claims : undefined;
      };
    case 'forged-signature-new-kid':
      return async (context) => {
        const decoded = compactWith(context.token, 'RS256');
        return decoded && (await trustedKey(context, decoded.header['kid'])) === undefined ? decoded.claims : undefined;
      };
    case 'tampered-payload': {
      // A cache of verified signatures, keyed by the signature alone: a changed payload rides on it.
      const verified = new Set<string>();
      return async (context) => {
        const decoded = compactWith(context.token, 'RS256');
        if (!decoded) return undefined;
        if (verified.has(decoded.parts[2]!)) return decoded.claims;
        const found = await trustedKey(context, decoded.header['kid']);
        if (found && (await verifiedWith(context.token, found.key, ['RS256']))) verified.add(decoded.parts[2]!);
        return undefined;
      };
    }
    case 'signature-stripped':
      return async (context) => {
        const decoded = compactWith(context.token, 'RS256');
        return decoded && decoded.parts[2] === '' ? decoded.claims : undefined;
      };
    case 'signature-truncated':
      return async (context) => {
        const decoded = compactWith(context.token, 'RS256');
        // Only signatures of the modulus length (2048-bit keys: 256 bytes) are verified; others pass.
        return decoded && decoded.parts[2] !== '' && Buffer.from(decoded.parts[2]!, 'base64url').length !== 256 ? decoded.claims : undefined;
      };
    case 'signature-segment-missing':
      return async (context) => {
        const decoded = decode(context.token);
        return decoded && decoded.parts.length === 2 ? decoded.claims : undefined;
      };
    case 'key-confusion-pem':
    case 'key-confusion-pem-no-newline':
    case 'key-confusion-pkcs1':
    case 'key-confusion-jwk-json':
    case 'key-confusion-der':
      return confusion(code.slice('key-confusion-'.length) as ConfusionForm);
    case 'hs256-attacker-secret':
      return async (context) => compactWith(context.token, 'HS256')?.claims;
    case 'hs256-empty-key':
      return hs256With(async (decoded, context) => ((await trustedKey(context, decoded.header['kid'])) ? '' : undefined));
    case 'kid-path-traversal':
      // Reads the key from the file kid names; only /dev/null (empty) is emulated, nothing is read.
      return hs256With(async (decoded) =>
        typeof decoded.header['kid'] === 'string' && decoded.header['kid'].includes('../') && decoded.header['kid'].endsWith('/dev/null') ? '' : undefined,
      );
    case 'kid-missing':
      return hs256With(async (decoded) => (decoded.header['kid'] === undefined ? '' : undefined));
    case 'kid-empty':
      return hs256With(async (decoded) => (decoded.header['kid'] === '' ? '' : undefined));
    case 'psychic-signature':
      return psychic(PSYCHIC_SIGNATURES.raw);
    case 'psychic-signature-der':
      return psychic(PSYCHIC_SIGNATURES.der);
    case 'embedded-jwk':
      return embeddedJwk(true);
    case 'embedded-jwk-new-kid':
      return embeddedJwk(false);
    case 'embedded-x5c':
      return async (context) => {
        const decoded = compactWith(context.token, 'RS256');
        const chain = decoded?.header['x5c'];
        if (!Array.isArray(chain) || typeof chain[0] !== 'string') return undefined;
        // The certificate's key is used as is: no chain to a trusted root is built.
        return verifiedWith(context.token, new X509Certificate(Buffer.from(chain[0], 'base64')).publicKey, ['RS256']);
      };
    case 'jku-untrusted-host':
      return headerPointer('jku');
    case 'x5u-untrusted-host':
      return headerPointer('x5u');
    case 'claim-iss-changed':
      return unverified((claims, context) => ({ ...claims, iss: context.authorizer.issuer }));
    case 'claim-aud-changed':
      return unverified((claims, context) => ({ ...claims, aud: context.authorizer.audiences[0] }));
    case 'expired-resigned':
      return unverified((claims, context) => ({ ...claims, exp: context.nowSeconds + 300 }));
    case 'claim-nbf-future':
      return unverified((claims, context) => ({ ...claims, nbf: context.nowSeconds }));
    case 'claim-aud-array':
      // aud is checked only when it is a string.
      return unverified((claims, context) => (Array.isArray(claims['aud']) ? { ...claims, aud: context.authorizer.audiences[0] } : claims));
    case 'jws-json-serialization':
      return async (context) => {
        try {
          const json = JSON.parse(context.token) as unknown;
          if (!isObject(json) || typeof json['payload'] !== 'string') return undefined;
          const claims = JSON.parse(Buffer.from(json['payload'], 'base64url').toString('utf8')) as unknown;
          return isObject(claims) ? claims : undefined;
        } catch {
          return undefined;
        }
      };
    case 'jwe-shaped':
      return async (context) => {
        const decoded = decode(context.token, 3);
        return decoded && decoded.parts.length === 5 ? decoded.claims : undefined;
      };
    case 'extra-segment':
      return async (context) => {
        const parts = context.token.split('.');
        if (parts.length !== 4) return undefined;
        const first = parts.slice(0, 3).join('.');
        const found = await trustedKey(context, decode(first)?.header['kid']);
        return found ? verifiedWith(first, found.key, ['RS256']) : undefined;
      };
    case 'oversized-header':
      return async (context) => (context.rawValue.length > MAX_REQUEST_HEADER_BYTES ? decode(context.token)?.claims : undefined);
    case 'header-lowercase-bearer':
      return headerForm((raw) => (raw.startsWith('bearer ') ? raw.slice(7) : undefined));
    case 'header-double-space':
      return headerForm((raw) => (raw.startsWith('Bearer  ') ? raw.slice(7).trim() : undefined));
    case 'header-raw-token':
      return headerForm((raw) => (/^bearer /i.test(raw) ? undefined : raw));
    case 'bearer-without-token':
      return async (context) => (context.rawValue.trim() === 'Bearer' ? anyPrincipal(context) : undefined);
    case 'garbage-token':
      return async (context) =>
        context.rawValue.startsWith('Bearer ') && context.token.split('.').length === 3 && !decode(context.token) ? anyPrincipal(context) : undefined;
    case 'basic-auth':
      return async (context) => (context.rawValue.startsWith('Basic ') ? anyPrincipal(context) : undefined);
    case 'other-audience':
      return async (context) => {
        const decoded = compactWith(context.token, 'RS256');
        const found = decoded && (await trustedKey(context, decoded.header['kid']));
        const claims = found ? await verifiedWith(context.token, found.key, ['RS256']) : undefined;
        return claims ? { ...claims, aud: context.authorizer.audiences[0] } : undefined;
      };
    default:
      throw new TypeError(`no authorizer flaw for attack ${String(code)}`);
  }
}

export interface GatewayFlaw {
  readonly authorizerFlaw: FlawCheck;
  /** The oversized-header flaw also lifts the request header limit, so the authorizer sees the token. */
  readonly maxRequestHeaderBytes?: number;
}

/** Gateway options that give the emulator exactly one attack's flaw (spread into startGateway's options). */
export function gatewayFlaw(code: AuthorizerFlaw): GatewayFlaw {
  return { authorizerFlaw: flawFor(code), ...(code === 'oversized-header' ? { maxRequestHeaderBytes: 64 * 1024 } : {}) };
}
