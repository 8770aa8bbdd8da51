import { InvalidInputError } from '../errors';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Limits of API Gateway HTTP APIs (protocols.md §1, quotas). */
export const MAX_AUDIENCES = 50;
export const MAX_SCOPES_PER_ROUTE = 10;

/** One route of a protected API. Routes are protected unless `public` is true (default-deny). */
export interface RouteSpec {
  /** `METHOD /path` (`ANY`, `{param}`, greedy `{proxy+}` last) or `$default`. */
  readonly routeKey: string;
  /** Answer without a token. @default false */
  readonly public?: boolean;
  /** OAuth scopes the token must carry in `scp`/`scope` (one of them). @default none */
  readonly scopes?: readonly string[];
}

export interface ParsedRouteKey {
  readonly method: HttpMethod | '$default';
  readonly path: string;
}

/** Parses and checks a route key as API Gateway HTTP APIs accept it. */
export function parseRouteKey(routeKey: string, key = 'routes'): ParsedRouteKey {
  if (routeKey === '$default') return { method: '$default', path: '' };
  const expected = 'METHOD /path (e.g. "GET /hello", "ANY /{proxy+}") or "$default"';
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match || !(HTTP_METHODS as readonly string[]).includes(match[1]!)) {
    throw new InvalidInputError(key, routeKey, expected);
  }
  const path = match[2]!;
  const segments = path === '/' ? [] : path.slice(1).split('/');
  segments.forEach((segment, index) => {
    const greedy = /^\{[A-Za-z0-9_]+\+\}$/.test(segment);
    const param = /^\{[A-Za-z0-9_]+\}$/.test(segment);
    const literal = /^[A-Za-z0-9._~:@!$&'()*,;=-]+$/.test(segment);
    if (greedy && index !== segments.length - 1) {
      throw new InvalidInputError(key, routeKey, 'a greedy {name+} segment only at the end of the path');
    }
    if (!greedy && !param && !literal) {
      throw new InvalidInputError(key, routeKey, `${expected}; segment "${segment}" is not a literal, {param} or {proxy+}`);
    }
  });
  return { method: match[1] as HttpMethod, path };
}

/** Checks a route list: valid keys, no duplicates, scope limits. Returns the routes unchanged. */
export function checkRoutes(routes: readonly RouteSpec[], key = 'routes'): readonly RouteSpec[] {
  if (routes.length === 0) throw new InvalidInputError(key, [], 'at least one route, e.g. [{ "routeKey": "GET /hello" }]');
  const seen = new Set<string>();
  routes.forEach((route, index) => {
    parseRouteKey(route.routeKey, `${key}[${index}].routeKey`);
    if (seen.has(route.routeKey)) {
      throw new InvalidInputError(`${key}[${index}].routeKey`, route.routeKey, 'each route key once (API Gateway refuses duplicates)');
    }
    seen.add(route.routeKey);
    const scopes = route.scopes ?? [];
    if (scopes.length > MAX_SCOPES_PER_ROUTE) {
      throw new InvalidInputError(`${key}[${index}].scopes`, scopes, `at most ${MAX_SCOPES_PER_ROUTE} scopes per route`);
    }
    if (route.public && scopes.length > 0) {
      throw new InvalidInputError(`${key}[${index}]`, route, 'either public: true or scopes, not both (a public route checks no token)');
    }
    scopes.forEach((scope, s) => {
      if (!/^\S+$/.test(scope)) throw new InvalidInputError(`${key}[${index}].scopes[${s}]`, scope, 'a scope name without spaces');
    });
  });
  return routes;
}

/** One concrete request that a route answers, for probing it. */
export interface RouteProbe {
  readonly routeKey: string;
  readonly method: string;
  readonly path: string;
}

/** What a `{param}` segment becomes in a probe: a plain value no handler should act on. */
export const PROBE_PARAM_VALUE = 'entra-api-guard-probe';

/** The methods an `ANY` route is probed with: a read, a write and a delete, none with a body. */
export const ANY_ROUTE_PROBE_METHODS = ['GET', 'POST', 'DELETE'] as const;

/**
 * The requests that probe a route: `{param}` segments get a harmless value, a greedy `{proxy+}` (and
 * `$default`) a random segment, and `ANY` becomes GET, POST and DELETE. Accepts any key API Gateway
 * hands back (deployed keys are not re-checked here); throws a TypeError on a key of no known form.
 */
export function probesForRoute(routeKey: string, randomSegment: () => string): RouteProbe[] {
  if (routeKey === '$default') return [{ routeKey, method: 'GET', path: `/${randomSegment()}` }];
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match) throw new TypeError(`routeKey: got ${JSON.stringify(routeKey)}; expected "$default" or "METHOD /path"`);
  const [, method, path] = match as unknown as [string, string, string];
  const segments = path === '/' ? [] : path.slice(1).split('/');
  const concrete = `/${segments.map((s) => (/^\{[^{}/]+\+\}$/.test(s) ? randomSegment() : /^\{[^{}/]+\}$/.test(s) ? PROBE_PARAM_VALUE : s)).join('/')}`;
  const methods = method === 'ANY' ? ANY_ROUTE_PROBE_METHODS : [method];
  return methods.map((m) => ({ routeKey, method: m, path: concrete }));
}
