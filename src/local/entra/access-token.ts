import { randomBytes } from 'node:crypto';
import { LOCAL_V1_ISSUER_PATH } from '../../contract';
import type { DirectoryApplication } from './directory';

export interface AccessTokenInput {
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly api: DirectoryApplication;
  /** The resource as the caller named it in `scope` (v1 `aud`). */
  readonly resource: string;
  readonly caller: DirectoryApplication;
  readonly callerObjectId: string;
  readonly roles: readonly string[];
  /** How the caller authenticated: '1' client secret, '2' certificate or federated assertion. */
  readonly clientAuthentication: '1' | '2';
  readonly nowMs: number;
  readonly lifetimeSeconds: number;
}

/** v1 and v2 issuers for the loopback cloud, exactly as tokenContract() derives them for cloud 'local'. */
export function localIssuers(authorityHost: string, tenantId: string): { v1: string; v2: string } {
  return { v1: `${authorityHost}${LOCAL_V1_ISSUER_PATH}/${tenantId}/`, v2: `${authorityHost}/${tenantId}/v2.0` };
}

/**
 * Claims of an app-only access token (protocols.md §2). The version follows the API app's
 * `requested_access_token_version`, not the endpoint: v2 `aud` is the API's client id and names the
 * caller in `azp`; v1 `aud` is the resource as requested and names the caller in `appid`.
 */
export function accessTokenClaims(input: AccessTokenInput): Record<string, unknown> {
  const iat = Math.floor(input.nowMs / 1000);
  const issuers = localIssuers(input.authorityHost, input.tenantId);
  const common: Record<string, unknown> = {
    iat,
    nbf: iat,
    exp: iat + input.lifetimeSeconds,
    aio: opaque(48),
    // An optional claim: only when the API app lists it in its access-token optional claims (protocols.md §2).
    ...(input.api.optionalClaims.accessToken?.includes('idtyp') ? { idtyp: 'app' } : {}),
    oid: input.callerObjectId,
    rh: `0.${opaque(40)}.`,
    sub: input.callerObjectId,
    tid: input.tenantId,
    uti: opaque(16),
    ...(input.roles.length > 0 ? { roles: [...input.roles] } : {}),
    xms_tcdt: iat - 86_400 * 365,
  };
  if (input.api.tokenVersion === 2) {
    return {
      aud: input.api.clientId,
      iss: issuers.v2,
      ...common,
      azp: input.caller.clientId,
      azpacr: input.clientAuthentication,
      ver: '2.0',
    };
  }
  return {
    aud: input.resource,
    iss: issuers.v1,
    ...common,
    appid: input.caller.clientId,
    appidacr: input.clientAuthentication,
    idp: issuers.v1,
    ver: '1.0',
  };
}

/** Random base64url text standing in for Entra's opaque claims (aio, rh, uti). */
function opaque(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
