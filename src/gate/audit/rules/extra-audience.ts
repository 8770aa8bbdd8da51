import { microsoftAppOf } from '../microsoft-apps';
import { authorizerRef, describeAuthorizer, protectedRoutesByAuthorizer } from '../scope';
import type { AuditRule } from '../types';

export const EXTRA_AUDIENCE: AuditRule = {
  code: 'AUDIT_AUDIENCE_BEYOND_REFERENCE',
  title: 'Authorizers accept only the reference audiences',
  severity: 'warning',
  suppressedBy: 'allow-authorizer',
  fix: 'remove audiences the API does not own: each one lets in every token issued for it',
  check: (input) => {
    const reference = input.reference?.audiences;
    if (reference === undefined || reference.length === 0) return [];
    return protectedRoutesByAuthorizer(input).flatMap(({ authorizer, routeKeys }) => {
      // Microsoft's own applications are a failure of their own (AUDIT_AUDIENCE_MICROSOFT_APP).
      const extra = authorizer.audiences.filter((a) => !reference.includes(a) && microsoftAppOf(a) === undefined);
      return extra.length === 0
        ? []
        : [
            {
              authorizer: authorizerRef(authorizer),
              message: `${describeAuthorizer(authorizer, routeKeys)} also accepts ${extra.join(', ')}, beyond ${reference.join(', ')}`,
            },
          ];
    });
  },
};
