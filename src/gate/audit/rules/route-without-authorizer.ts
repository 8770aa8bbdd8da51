import type { AuditRule } from '../types';

export const ROUTE_WITHOUT_AUTHORIZER: AuditRule = {
  code: 'AUDIT_ROUTE_WITHOUT_AUTHORIZER',
  title: 'Every route needs an authorizer unless it is declared public',
  severity: 'failure',
  suppressedBy: 'public-route',
  reference: 'checkov CKV_AWS_308',
  fix: 'attach the JWT authorizer to the route (authorization_type JWT), or declare it public (--public-route, the public-routes input, or public: true in the config)',
  check: ({ api }) =>
    api.routes
      .filter((route) => (route.authorizationType ?? 'NONE') === 'NONE')
      .map((route) => ({ routeKey: route.routeKey, message: `route ${route.routeKey} has no authorizer (authorization type NONE): anyone can call it` })),
};
