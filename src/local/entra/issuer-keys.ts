import { importJWK, type JWK, type KeyLike } from 'jose';
import { AadstsError, aadsts } from './aadsts';

export interface IssuerKeysOptions {
  /** Time-out for each discovery or JWKS fetch. @default 5000 */
  readonly timeoutMs?: number;
  /** How long fetched keys are reused before fetching again. @default 600 */
  readonly cacheSeconds?: number;
  /** Injected fetch (tests). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  readonly now: () => number;
}

interface CachedKeys {
  readonly keys: readonly JWK[];
  readonly fetchedAt: number;
}

/**
 * Finds an assertion issuer's signing keys the way Entra does: `{iss}/.well-known/openid-configuration`
 * → `jwks_uri` → JWKS, over HTTP with a time-out, cached per issuer. An unknown `kid` forces one
 * refetch so that key rotation at the issuer is picked up.
 */
export class IssuerKeys {
  private readonly cache = new Map<string, CachedKeys>();
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: IssuerKeysOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.cacheMs = (options.cacheSeconds ?? 600) * 1000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  async key(issuer: string, kid: string | undefined): Promise<KeyLike | Uint8Array> {
    if (kid === undefined) throw new AadstsError(aadsts.invalidJwt('The assertion header has no kid.'));
    let cached = this.cache.get(issuer);
    const now = this.options.now();
    let fresh = false;
    if (!cached || now - cached.fetchedAt > this.cacheMs) {
      cached = await this.refresh(issuer);
      fresh = true;
    }
    let jwk = cached.keys.find((candidate) => candidate.kid === kid);
    if (!jwk && !fresh) jwk = (await this.refresh(issuer)).keys.find((candidate) => candidate.kid === kid);
    if (!jwk) throw new AadstsError(aadsts.signingKeyNotFound(kid, issuer));
    if (jwk.kty !== 'RSA') throw new AadstsError(aadsts.invalidJwt(`Key '${kid}' of issuer '${issuer}' is not an RSA key.`));
    return importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
  }

  private async refresh(issuer: string): Promise<CachedKeys> {
    const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const discovery = await this.getJson(discoveryUrl, issuer);
    const jwksUri = discovery['jwks_uri'];
    if (typeof jwksUri !== 'string') throw new AadstsError(aadsts.invalidJwt(`The discovery document of issuer '${issuer}' has no jwks_uri.`));
    const jwks = await this.getJson(jwksUri, issuer);
    const keys = jwks['keys'];
    if (!Array.isArray(keys)) throw new AadstsError(aadsts.invalidJwt(`The JWKS of issuer '${issuer}' has no keys array.`));
    const entry = { keys: keys as JWK[], fetchedAt: this.options.now() };
    this.cache.set(issuer, entry);
    return entry;
  }

  private async getJson(url: string, issuer: string): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
    } catch (error) {
      // Checked by name: the DOMException may come from another realm (jest, bundles).
      const name = (error as { name?: unknown } | null)?.name;
      const reason = name === 'TimeoutError' || name === 'AbortError' ? `timed out after ${this.timeoutMs} ms` : 'could not be fetched';
      throw new AadstsError(aadsts.invalidJwt(`The metadata of issuer '${issuer}' at ${url} ${reason}.`));
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AadstsError(aadsts.invalidJwt(`The metadata of issuer '${issuer}' at ${url} answered HTTP ${response.status}.`));
    }
    try {
      return (await response.json()) as Record<string, unknown>;
    } catch {
      throw new AadstsError(aadsts.invalidJwt(`The metadata of issuer '${issuer}' at ${url} is not JSON.`));
    }
  }
}
