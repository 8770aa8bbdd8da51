import { importJWK, type JWK, type KeyLike } from 'jose';

/**
 * Signing keys per issuer, fetched like API Gateway does: `{issuer}/.well-known/openid-configuration`
 * → `jwks_uri` → JWKS, each fetch limited to `fetchTimeoutMs` (1500 ms [AWS-Q]) and the JWKS to
 * `maxJwksBytes` (150,000 [AWS-Q]).
 *
 * Rotation as AWS documents it (protocols.md §1): "API Gateway can cache public keys for two hours",
 * so issuers must "allow a grace period during which both the old and new keys are valid". Keys are
 * therefore cached for the full `cacheTtlMs` (2 h): a key the issuer signs with before it was
 * published is unknown here until the cache expires, and a key it withdrew keeps verifying until then.
 * Whether HTTP APIs refetch early on an unknown `kid` is not documented (REST API JWT authorizers do)
 * **[uncertain]**: the stricter reading, no early refetch, is the default; `unknownKidRefetchMs` turns
 * an early refetch on.
 */
export interface KeyStoreOptions {
  /** @default 1500 */
  readonly fetchTimeoutMs?: number;
  /** @default 150000 */
  readonly maxJwksBytes?: number;
  /** @default 7200000 (2 h, the most AWS caches keys) */
  readonly cacheTtlMs?: number;
  /** Refetch a JWKS early, at most this often, when a token names an unknown kid. @default cacheTtlMs (never early) */
  readonly unknownKidRefetchMs?: number;
  /** Clock in ms, for tests. @default Date.now */
  readonly now?: () => number;
  /** Injectable fetch (the global one by default). */
  readonly fetch?: typeof fetch;
}

/** Why keys could not be had; `description` goes into `www-authenticate` (no secrets in it). */
export class KeyFetchError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'KeyFetchError';
  }
}

interface IssuerKeys {
  readonly keys: ReadonlyMap<string, { readonly key: KeyLike | Uint8Array; readonly jwk: JWK }>;
  readonly fetchedAt: number;
}

export const MAX_CACHE_TTL_MS = 2 * 60 * 60 * 1000;

export class KeyStore {
  private readonly cache = new Map<string, IssuerKeys>();
  private readonly inflight = new Map<string, Promise<IssuerKeys>>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly ttlMs: number;
  private readonly refetchMs: number;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: KeyStoreOptions = {}) {
    this.timeoutMs = nonNegative('fetchTimeoutMs', options.fetchTimeoutMs ?? 1500);
    this.maxBytes = nonNegative('maxJwksBytes', options.maxJwksBytes ?? 150_000);
    this.ttlMs = nonNegative('cacheTtlMs', options.cacheTtlMs ?? MAX_CACHE_TTL_MS);
    if (this.ttlMs > MAX_CACHE_TTL_MS) throw new TypeError(`cacheTtlMs: got ${this.ttlMs}; expected at most ${MAX_CACHE_TTL_MS} (API Gateway caches keys up to 2 h)`);
    this.refetchMs = nonNegative('unknownKidRefetchMs', options.unknownKidRefetchMs ?? this.ttlMs);
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The key named `kid` for `issuer`, or undefined when the (possibly refreshed) JWKS lacks it. */
  async keyFor(issuer: string, kid: string): Promise<{ key: KeyLike | Uint8Array; jwk: JWK } | undefined> {
    let entry = this.cache.get(issuer);
    if (!entry || this.now() - entry.fetchedAt >= this.ttlMs) entry = await this.load(issuer);
    const found = entry.keys.get(kid);
    if (found) return found;
    if (this.now() - entry.fetchedAt < this.refetchMs) return undefined;
    return (await this.load(issuer)).keys.get(kid);
  }

  private load(issuer: string): Promise<IssuerKeys> {
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

  private async fetchKeys(issuer: string): Promise<IssuerKeys> {
    const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const discovery = await this.fetchJson(discoveryUrl, 'discovery document', Number.POSITIVE_INFINITY);
    const jwksUri = (discovery as { jwks_uri?: unknown } | null)?.jwks_uri;
    if (typeof jwksUri !== 'string' || jwksUri === '') throw new KeyFetchError('the discovery document has no jwks_uri');
    const jwks = (await this.fetchJson(jwksUri, 'JWKS', this.maxBytes)) as { keys?: unknown } | null;
    if (!jwks || !Array.isArray(jwks.keys)) throw new KeyFetchError('the JWKS has no keys array');
    const keys = new Map<string, { key: KeyLike | Uint8Array; jwk: JWK }>();
    for (const raw of jwks.keys as JWK[]) {
      // Only RSA signing keys can verify anything here; others are skipped, not fatal.
      if (!raw || raw.kty !== 'RSA' || typeof raw.kid !== 'string' || (raw.use !== undefined && raw.use !== 'sig')) continue;
      try {
        const jwk = { kty: raw.kty, n: raw.n, e: raw.e, kid: raw.kid } as JWK;
        keys.set(raw.kid, { key: await importJWK(jwk, 'RS256'), jwk });
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
        throw new KeyFetchError(`the ${what} answered HTTP ${response.status}`);
      }
      text = await readLimited(response, maxBytes, what);
    } catch (error) {
      if (error instanceof KeyFetchError) throw error;
      const timedOut = signal.aborted;
      throw new KeyFetchError(timedOut ? `the ${what} did not answer within ${this.timeoutMs} ms` : `the ${what} could not be fetched`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new KeyFetchError(`the ${what} is not JSON`);
    }
  }
}

async function readLimited(response: Response, maxBytes: number, what: string): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new KeyFetchError(`the ${what} is larger than ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new KeyFetchError(`the ${what} is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name}: got ${String(value)}; expected a non-negative number`);
  return value;
}
