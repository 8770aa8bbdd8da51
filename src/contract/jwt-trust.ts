import { InvalidInputError } from '../errors';
import { MAX_AUDIENCES } from './routes';
import { checkUrlInput } from './urls';
import { isGuid, isUnresolved } from './values';

/** What a JWT authorizer trusts: one issuer and the audiences a token may carry. */
export interface JwtTrust {
  readonly issuer: string;
  readonly audiences: readonly string[];
}

/**
 * Checks an authorizer's trust before anything is deployed. Beyond the AWS limits it refuses the
 * classic Entra mix-ups that make every valid token answer 401: a v2 issuer (…/v2.0) only ever comes
 * with the API's client id as `aud`, a v1 issuer (sts…/) with the App ID URI.
 */
export function checkJwtTrust(trust: JwtTrust, key = 'authorizer'): JwtTrust {
  const { issuer, audiences } = trust;
  // API Gateway only fetches keys over https; plain http is for the loopback emulators.
  if (!isUnresolved(issuer)) checkUrlInput(`${key}.issuer`, issuer, 'https://login.microsoftonline.com/<tenant id>/v2.0', { httpsUnlessLoopback: true });
  if (audiences.length === 0) {
    throw new InvalidInputError(`${key}.audiences`, [], 'at least one audience (v2: the API client id; v1: the App ID URI)');
  }
  if (audiences.length > MAX_AUDIENCES) {
    throw new InvalidInputError(`${key}.audiences`, `${audiences.length} audiences`, `at most ${MAX_AUDIENCES} (API Gateway limit)`);
  }
  if (isUnresolved(issuer)) return trust;
  const resolved = audiences.filter((audience) => !isUnresolved(audience));
  if (/\/v2\.0$/.test(issuer) && resolved.length > 0 && resolved.every((audience) => !isGuid(audience))) {
    throw new InvalidInputError(
      `${key}.audiences`,
      resolved,
      `the API app's client id (a GUID): v2 tokens from ${issuer} always carry it as aud; use tokenVersion 1 for App ID URI audiences`,
    );
  }
  if (/^https:\/\/sts\.(windows\.net|chinacloudapi\.cn)\//.test(issuer) && resolved.length > 0 && resolved.every((audience) => isGuid(audience))) {
    throw new InvalidInputError(
      `${key}.audiences`,
      resolved,
      `the App ID URI (e.g. api://orders): v1 tokens from ${issuer} carry the resource the caller asked for; use tokenVersion 2 for client-id audiences`,
    );
  }
  return trust;
}
