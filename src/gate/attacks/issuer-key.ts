import { checkUrl, withoutCredentials } from '../../contract/urls';
// The one JWKS fetcher, with API Gateway's limits (discovery → jwks_uri, 1500 ms per fetch, JWKS ≤ 150,000 bytes).
import { JwksFetcher, KeyFetchError, type IssuerSigningKey } from '../../token/jwks-fetcher';
import type { ParsedToken } from './types';

export type IssuerKeyResult = { readonly key: IssuerSigningKey } | { readonly skipReason: string };

export interface IssuerKeyOptions {
  readonly fetch?: typeof fetch;
  /** Per fetch (discovery, then JWKS). @default 1500 (API Gateway's limit) */
  readonly timeoutMs?: number;
}

/**
 * The issuer's public key for the token's `kid`, from `{iss}/.well-known/openid-configuration` →
 * `jwks_uri`. Never throws: any reason the key cannot be had comes back as `skipReason`, so the
 * attacks that need it are reported as skipped instead of failing the gate.
 */
export async function fetchIssuerKey(token: ParsedToken | undefined, options: IssuerKeyOptions = {}): Promise<IssuerKeyResult> {
  if (!token?.parts) return { skipReason: 'no readable token, so no issuer keys to use' };
  const issuer = token.claims['iss'];
  if (typeof issuer !== 'string') return { skipReason: 'the token has no iss, so its issuer keys cannot be found' };
  const checked = checkUrl(issuer, 'https://login.microsoftonline.com/<tenant id>/v2.0', { httpsUnlessLoopback: true });
  if ('expected' in checked) {
    return {
      skipReason: `the token's iss ${JSON.stringify(withoutCredentials(issuer))} is neither https nor loopback http, so its keys are not fetched (expected ${checked.expected})`,
    };
  }
  const store = new JwksFetcher({ fetchTimeoutMs: options.timeoutMs ?? 1500, ...(options.fetch ? { fetch: options.fetch } : {}) });
  try {
    const found = await store.keyFor(issuer, token.kid);
    if (!found) return { skipReason: `the issuer's JWKS has no RSA signing key with the token's kid ${token.kid}` };
    return { key: found };
  } catch (error) {
    if (error instanceof KeyFetchError) return { skipReason: `the issuer's signing keys could not be fetched: ${error.description}` };
    return { skipReason: "the issuer's signing keys could not be read" };
  }
}
