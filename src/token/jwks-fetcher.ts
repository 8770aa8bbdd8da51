import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { GuardError } from '../errors';

/**
 * How an issuer's signing keys are found and kept. The defaults are API Gateway's [AWS-Q]
 * (protocols.md §1): 1500 ms per fetch, a JWKS of at most 150,000 bytes, keys cached 2 h, and no
 * early refetch on an unknown `kid`. Callers that emulate someone else (Entra) pass their own policy.
 */
export interface JwksFetcherOptions {
  /** Where an issuer's discovery document is. @default `{issuer without trailing slashes}/.well-known/openid-configuration` */
  readonly discoveryUrl?: (issuer: string) => string;
  /** Time-out of each fetch (discovery, then JWKS). @default 1500 */
  readonly fetchTimeoutMs?: number;
  /** @default 150000 */
  readonly maxJwksBytes?: number;
  /** How long fetched keys are used before they are fetched again. @default 7200000 (2 h) */
  readonly cacheTtlMs?: number;
  /**
   * An unknown `kid` refetches the JWKS early when the keys in hand are at least this old; a fetch
   * already under way for the issuer is shared, never repeated. @default cacheTtlMs (never early)
   */
  readonly unknownKidRefetchMs?: number;
  /** Clock in ms. @default Date.now */
  readonly now?: () => number;
  /** @default the global fetch */
  readonly fetch?: typeof fetch;
}

/** An issuer's RSA signing key: imported once when the JWKS is read, with the JWK it came from (kty, n, e, kid). */
export interface IssuerSigningKey {
  readonly key: KeyObject;
  readonly jwk: JWK;
}

/** Why an issuer's keys could not be had; `description` is safe to show (no secrets), e.g. in `www-authenticate`. */
export class KeyFetchError extends GuardError {
  constructor(
    readonly description: string,
    /** The document that failed (discovery or JWKS). */
    readonly url: string,
  ) {
    super('ERR_JWKS_FETCH', description);
  }
}

interface CachedKeys {
  readonly keys: ReadonlyMap<string, IssuerSigningKey>;
  readonly fetchedAt: number;
}

export const DEFAULT_CACHE_TTL_MS = 2 * 60 * 60 * 1000;

/**
 * Signing keys per issuer: `discoveryUrl(issuer)` → `jwks_uri` → JWKS, each fetch under a time-out
 * and the JWKS under a byte cap, cached per issuer. Only RSA signing keys are kept (others cannot
 * verify anything the callers accept); a malformed key is left out rather than failing the set.
 */
export class JwksFetcher {
  private readonly cache = new Map<string, CachedKeys>();
  private readonly inflight = new Map<string, Promise<CachedKeys>>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly ttlMs: number;
  private readonly refetchMs: number;
  private readonly discoveryUrl: (issuer: string) => string;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: JwksFetcherOptions = {}) {
    this.timeoutMs = nonNegative('fetchTimeoutMs', options.fetchTimeoutMs ?? 1500);
    this.maxBytes = nonNegative('maxJwksBytes', options.maxJwksBytes ?? 150_000);
    this.ttlMs = nonNegative('cacheTtlMs', options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS);
    this.refetchMs = nonNegative('unknownKidRefetchMs', options.unknownKidRefetchMs ?? this.ttlMs);
    this.discoveryUrl = options.discoveryUrl ?? ((issuer) => `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The key named `kid` for `issuer`, or undefined when the (possibly refreshed) JWKS lacks it. Throws {@link KeyFetchError}. */
  async keyFor(issuer: string, kid: string): Promise<IssuerSigningKey | undefined> {
    let entry = this.cache.get(issuer);
    let fresh = false;
    if (!entry || this.now() - entry.fetchedAt >= this.ttlMs) {
      entry = await this.load(issuer);
      fresh = true;
    }
    const found = entry.keys.get(kid);
    if (found || fresh || this.now() - entry.fetchedAt < this.refetchMs) return found;
    return (await this.load(issuer)).keys.get(kid);
  }

  private load(issuer: string): Promise<CachedKeys> {
    let pending = this.inflight.get(issuer);
    if (!pending) {
      pending = this.fetchKeys(issuer)
        .then((entry) => {
          this.cache.set(issuer, entry);
          return entry;
        })
        .finally(() => this.inflight.delete(issuer));
      this.inflight.set(issuer, pending);
    }
    return pending;
  }

  private async fetchKeys(issuer: string): Promise<CachedKeys> {
    const discoveryUrl = this.discoveryUrl(issuer);
    const discovery = await this.fetchJson(discoveryUrl, 'discovery document', Number.POSITIVE_INFINITY);
    const jwksUri = (discovery as { jwks_uri?: unknown } | null)?.jwks_uri;
    if (typeof jwksUri !== 'string' || jwksUri === '') throw new KeyFetchError('the discovery document has no jwks_uri', discoveryUrl);
    const jwks = (await this.fetchJson(jwksUri, 'JWKS', this.maxBytes)) as { keys?: unknown } | null;
    if (!jwks || !Array.isArray(jwks.keys)) throw new KeyFetchError('the JWKS has no keys array', jwksUri);
    const keys = new Map<string, IssuerSigningKey>();
    for (const raw of jwks.keys as JWK[]) {
      if (!raw || raw.kty !== 'RSA' || typeof raw.kid !== 'string' || (raw.use !== undefined && raw.use !== 'sig')) continue;
      try {
        const jwk: JWK = { kty: raw.kty, n: raw.n, e: raw.e, kid: raw.kid };
        keys.set(raw.kid, { key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), jwk });
      } catch {
        // A malformed key cannot sign valid tokens; leave it out.
      }
    }
    return { keys, fetchedAt: this.now() };
  }

  private async fetchJson(url: string, what: string, maxBytes: number): Promise<unknown> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let text: string;
    try {
      const response = await this.fetchImpl(url, { signal, headers: { accept: 'application/json' } });
      if (!response.ok) {
        await response.body?.cancel();
        throw new KeyFetchError(`the ${what} answered HTTP ${response.status}`, url);
      }
      text = await readLimited(response, maxBytes, what, url);
    } catch (error) {
      if (error instanceof KeyFetchError) throw error;
      throw new KeyFetchError(signal.aborted ? `the ${what} did not answer within ${this.timeoutMs} ms` : `the ${what} could not be fetched`, url);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new KeyFetchError(`the ${what} is not JSON`, url);
    }
  }
}

async function readLimited(response: Response, maxBytes: number, what: string, url: string): Promise<string> {
  const tooLarge = () => new KeyFetchError(`the ${what} is larger than ${maxBytes} bytes`, url);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name}: got ${String(value)}; expected a non-negative number`);
  return value;
}
