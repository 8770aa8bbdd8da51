import { InvalidInputError } from '../errors';
import { isGuid, isUnresolved } from './values';
import type { Cloud } from './clouds';

export type TokenVersion = 1 | 2;

export interface TokenContractInput {
  /** Directory (tenant) id: a GUID, since issuers carry the id, never the domain name. */
  readonly tenantId: string;
  /** The API app's `requested_access_token_version` (Entra's `accessTokenAcceptedVersion`). */
  readonly tokenVersion: TokenVersion;
  /** The cloud the tenant lives in (authority host, v1 issuer host). */
  readonly cloud: Cloud;
  /** The API app's client (application) id; may be an unresolved reference. */
  readonly apiClientId: string;
  /** The API app's App ID URI, e.g. `api://orders` or `api://<client id>`; may be unresolved. */
  readonly identifierUri: string;
}

/**
 * Everything that must agree for an Entra access token to be accepted by a JWT authorizer,
 * derived from the token version so that issuer and audience can never disagree with it.
 */
export interface TokenContract {
  readonly tokenVersion: TokenVersion;
  /** Exact `iss` of the access tokens (v1 ends with a slash, v2 with `/v2.0`). */
  readonly issuer: string;
  /** What `aud` carries: v2 the API client id, v1 the App ID URI the caller asked for. */
  readonly audiences: readonly string[];
  readonly discoveryUrl: string;
  readonly jwksUri: string;
  /** Where callers request tokens (always the v2.0 endpoint: the token version is the API's choice). */
  readonly tokenEndpoint: string;
  /** The scope an app-only caller requests: `<App ID URI>/.default`. */
  readonly scope: string;
}

export function tokenContract(input: TokenContractInput): TokenContract {
  const tenantId = checkTenantId(input.tenantId);
  const identifierUri = checkIdentifierUri(input.identifierUri);
  if (input.tokenVersion !== 1 && input.tokenVersion !== 2) {
    throw new InvalidInputError('tokenVersion', input.tokenVersion, '1 or 2 (2 is recommended)');
  }
  const host = input.cloud.authorityHost;
  const common = {
    tokenVersion: input.tokenVersion,
    tokenEndpoint: tokenEndpoint(input.cloud, tenantId),
    scope: `${identifierUri}/.default`,
  };
  if (input.tokenVersion === 2) {
    return {
      ...common,
      issuer: `${host}/${tenantId}/v2.0`,
      audiences: [input.apiClientId],
      discoveryUrl: `${host}/${tenantId}/v2.0/.well-known/openid-configuration`,
      jwksUri: `${host}/${tenantId}/discovery/v2.0/keys`,
    };
  }
  return {
    ...common,
    issuer: `${input.cloud.v1IssuerHost}/${tenantId}/`,
    audiences: [identifierUri],
    discoveryUrl: `${host}/${tenantId}/.well-known/openid-configuration`,
    jwksUri: `${host}/${tenantId}/discovery/keys`,
  };
}

/** Where callers request tokens in a tenant: always the v2.0 endpoint (the token version is the API's choice). */
export function tokenEndpoint(cloud: Cloud, tenantId: string): string {
  return `${cloud.authorityHost}/${checkTenantId(tenantId)}/oauth2/v2.0/token`;
}

export function checkTenantId(value: string): string {
  if (typeof value === 'string' && (isUnresolved(value) || isGuid(value))) return value.toLowerCase();
  throw new InvalidInputError(
    'tenantId',
    value,
    'the directory (tenant) id, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (token issuers carry the id, not the domain)',
  );
}

/** App ID URIs Entra accepts for an API: `api://…`, `https://…` or `urn:…`, without a trailing slash. */
export function checkIdentifierUri(value: string): string {
  if (typeof value === 'string' && isUnresolved(value)) return value;
  if (typeof value !== 'string' || !/^(api:\/\/[^\s/][^\s]*|https:\/\/[^\s/][^\s]*|urn:[^\s]+)$/.test(value) || value.endsWith('/')) {
    throw new InvalidInputError(
      'identifierUri',
      value,
      'an App ID URI such as api://orders-api or api://<client id> (api://, https:// or urn:, no trailing slash)',
    );
  }
  return value;
}
