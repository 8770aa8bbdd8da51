import type { DeployedAuthorizer } from '../control-plane/types';
import type { AuditHit, AuditInput } from './types';

/** Each JWT authorizer with the routes it protects (JWT routes not declared public), in route order. Pure. */
export function protectedRoutesByAuthorizer(input: AuditInput): { authorizer: DeployedAuthorizer; routeKeys: string[] }[] {
  const out = new Map<string, { authorizer: DeployedAuthorizer; routeKeys: string[] }>();
  for (const route of input.api.routes) {
    if (route.authorizationType !== 'JWT' || route.authorizerId === undefined || input.publicRoutes.has(route.routeKey)) continue;
    const authorizer = input.api.authorizers.find((a) => a.id === route.authorizerId);
    if (authorizer === undefined || authorizer.type === 'REQUEST') continue;
    const entry = out.get(authorizer.id) ?? { authorizer, routeKeys: [] };
    entry.routeKeys.push(route.routeKey);
    out.set(authorizer.id, entry);
  }
  return [...out.values()];
}

/** `authorizer "entra" (GET /a, POST /b and 3 more)`: how a finding names an authorizer and its routes. */
export function describeAuthorizer(authorizer: DeployedAuthorizer, routeKeys: readonly string[]): string {
  const shown = routeKeys.slice(0, 3).join(', ');
  const more = routeKeys.length > 3 ? ` and ${routeKeys.length - 3} more` : '';
  return `authorizer "${authorizer.name ?? authorizer.id}" (routes ${shown}${more})`;
}

export function authorizerRef(authorizer: DeployedAuthorizer): NonNullable<AuditHit['authorizer']> {
  return { id: authorizer.id, ...(authorizer.name !== undefined ? { name: authorizer.name } : {}) };
}
