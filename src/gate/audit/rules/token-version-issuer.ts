import { entraIssuer, isTokenVersionMixUp } from '../issuers';
import { authorizerRef, describeAuthorizer, protectedRoutesByAuthorizer } from '../scope';
import type { AuditRule } from '../types';

export const TOKEN_VERSION_ISSUER: AuditRule = {
  code: 'AUDIT_AUTHORIZER_TOKEN_VERSION_MISMATCH',
  title: 'Authorizers trust the issuer of the token version the API app requests (v1 sts.windows.net/…/ vs v2 …/v2.0)',
  severity: 'failure',
  suppressedBy: 'allow-authorizer',
  reference: 'protocols.md §2',
  fix: "make the authorizer's issuer match the API app's requested_access_token_version (v2: {authority}/{tenant}/v2.0 with the client id as audience; v1: https://sts.windows.net/{tenant}/ with the App ID URI)",
  check: (input) => {
    const reference = input.reference?.issuer;
    if (reference === undefined) return [];
    return protectedRoutesByAuthorizer(input)
      .filter(({ authorizer }) => authorizer.issuer !== undefined && isTokenVersionMixUp(reference, authorizer.issuer))
      .map(({ authorizer, routeKeys }) => ({
        authorizer: authorizerRef(authorizer),
        message: `${describeAuthorizer(authorizer, routeKeys)} trusts the v${entraIssuer(authorizer.issuer!)!.version} issuer ${authorizer.issuer}, but the API's tokens are v${entraIssuer(reference)!.version} from ${reference}: every valid token gets 401`,
        fix: `set the authorizer's issuer to ${reference}`,
      }));
  },
};
