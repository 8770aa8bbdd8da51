import type { AuditRule } from '../types';

export const ROUTE_DRIFT: AuditRule = {
  code: 'AUDIT_ROUTE_DRIFT',
  title: 'The deployed routes are the declared ones',
  severity: 'warning',
  fix: 'declare the route in the config (or remove it from the API), then deploy again: routes changed out of band escape review',
  check: ({ api, declaredRoutes }) => {
    if (declaredRoutes === undefined) return [];
    const deployed = new Set(api.routes.map((r) => r.routeKey));
    const declared = new Set(declaredRoutes);
    return [
      ...[...deployed]
        .filter((key) => !declared.has(key))
        .map((routeKey) => ({ routeKey, message: `route ${routeKey} is deployed but not declared in the config (added out of band)` })),
      ...[...declared]
        .filter((key) => !deployed.has(key))
        .map((routeKey) => ({ routeKey, message: `route ${routeKey} is declared in the config but not deployed (removed out of band)` })),
    ];
  },
};
