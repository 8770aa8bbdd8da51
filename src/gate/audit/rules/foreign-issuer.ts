import { isGithubActionsIssuer, isTokenVersionMixUp } from '../issuers';
import { authorizerRef, describeAuthorizer, protectedRoutesByAuthorizer } from '../scope';
import type { AuditRule } from '../types';

export const FOREIGN_ISSUER: AuditRule = {
  code: 'AUDIT_AUTHORIZER_FOREIGN_ISSUER',
  title: 'Every protected route trusts the reference issuer (the contract, else the valid token)',
  severity: 'failure',
  suppressedBy: 'allow-authorizer',
  fix: 'point the route at the authorizer that trusts the reference issuer, or declare this authorizer with --allow-authorizer NAME if a second issuer is meant to call',
  check: (input) => {
    const reference = input.reference?.issuer;
    if (reference === undefined) return [];
    return protectedRoutesByAuthorizer(input)
      .filter(({ authorizer }) => {
        const issuer = authorizer.issuer;
        // The named dangerous cases have rules of their own.
        return issuer !== undefined && issuer !== reference && !isGithubActionsIssuer(issuer) && !isTokenVersionMixUp(reference, issuer);
      })
      .map(({ authorizer, routeKeys }) => ({
        authorizer: authorizerRef(authorizer),
        message: `${describeAuthorizer(authorizer, routeKeys)} trusts ${authorizer.issuer}, not the reference issuer ${reference}: whoever that issuer serves gets in`,
      }));
  },
};
