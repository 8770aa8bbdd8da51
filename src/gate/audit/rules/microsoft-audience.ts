import { microsoftAppOf } from '../microsoft-apps';
import { authorizerRef, describeAuthorizer, protectedRoutesByAuthorizer } from '../scope';
import type { AuditRule } from '../types';

export const MICROSOFT_AUDIENCE: AuditRule = {
  code: 'AUDIT_AUDIENCE_MICROSOFT_APP',
  title: 'No authorizer accepts tokens meant for a Microsoft first-party application',
  severity: 'failure',
  reference: 'protocols.md §2',
  fix: "list only your API's own audience: its client id (v2 tokens) or App ID URI (v1)",
  check: (input) =>
    protectedRoutesByAuthorizer(input).flatMap(({ authorizer, routeKeys }) =>
      authorizer.audiences.flatMap((audience) => {
        const app = microsoftAppOf(audience);
        return app
          ? [
              {
                authorizer: authorizerRef(authorizer),
                message: `${describeAuthorizer(authorizer, routeKeys)} accepts audience ${audience} (${app.name}): every ${app.name} token of the tenant gets in`,
                fix: `remove ${audience} from the authorizer's audiences; list only your API's own audience`,
              },
            ]
          : [];
      }),
    ),
};
