import { GITHUB_ACTIONS_ISSUER, isGithubActionsIssuer } from '../issuers';
import { authorizerRef, describeAuthorizer, protectedRoutesByAuthorizer } from '../scope';
import type { AuditRule } from '../types';

export const GITHUB_ISSUER: AuditRule = {
  code: 'AUDIT_AUTHORIZER_TRUSTS_GITHUB_ACTIONS',
  title: "No authorizer trusts GitHub Actions' OIDC issuer",
  severity: 'failure',
  suppressedBy: 'allow-authorizer',
  reference: 'protocols.md §4',
  fix: `trust the Entra issuer instead: GitHub's workflow tokens are for the exchange at Entra, not for the API (or declare the authorizer with --allow-authorizer NAME if its audience is unique to you)`,
  check: (input) =>
    protectedRoutesByAuthorizer(input)
      .filter(({ authorizer }) => authorizer.issuer !== undefined && isGithubActionsIssuer(authorizer.issuer) && authorizer.issuer !== input.reference?.issuer)
      .map(({ authorizer, routeKeys }) => ({
        authorizer: authorizerRef(authorizer),
        message: `${describeAuthorizer(authorizer, routeKeys)} trusts ${authorizer.issuer}: any repository's workflow can mint a token from ${GITHUB_ACTIONS_ISSUER} with the audience it likes`,
      })),
};
