import type { AuditRule } from '../types';

export const SCOPES_APP_ONLY: AuditRule = {
  code: 'AUDIT_SCOPES_FOR_APP_ONLY_CALLERS',
  title: 'Routes called by pipelines have no authorization scopes',
  severity: 'warning',
  reference: 'protocols.md §2',
  fix: 'remove authorization_scopes from the route and check the roles claim in the integration instead: app-only tokens carry roles, never scp',
  check: ({ api, callers }) =>
    (callers ?? 'app-only') !== 'app-only'
      ? []
      : api.routes
          .filter((route) => route.authorizationType === 'JWT' && (route.authorizationScopes?.length ?? 0) > 0)
          .map((route) => ({
            routeKey: route.routeKey,
            message: `route ${route.routeKey} requires scopes ${route.authorizationScopes!.join(', ')}, which app-only callers (pipelines) never carry: they get 403`,
          })),
};
