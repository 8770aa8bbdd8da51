import { PROBE_PARAM_VALUE, probesForRoute, type RouteProbe } from '../contract/routes';
import { matchRoute, parseRouteForMatching, type RankedRouteKey } from '../contract/route-match';
import { authorizerLabel, type DeployedApi, type DeployedRoute, type RouteAuthorization } from './control-plane/types';
import type { ProbeTarget } from './plan';

/** One deployed route, as the gate probes it. */
export interface RouteTarget {
  readonly routeKey: string;
  readonly authorization: RouteAuthorization;
  readonly authorizerId?: string;
  /** The authorizer's name (else its id); `AWS_IAM` for IAM routes. */
  readonly authorizer?: string;
  readonly scopes?: readonly string[];
  /** Declared public: probed without a token, and any answer but a 5xx is right. */
  readonly public: boolean;
  /** Its authorizer is declared with --allow-authorizer (meant to trust another issuer): the valid token is not expected in. */
  readonly declaredAuthorizer?: boolean;
  /** Concrete requests that reach this route and no other (empty when none does). */
  readonly requests: readonly { readonly method: string; readonly path: string }[];
  /** Why no request reaches this route. */
  readonly unreachable?: string;
}

export interface DeriveOptions {
  /** Route keys declared public (`--public-route`, the action's `public-routes`, config `public: true`). */
  readonly publicRoutes?: Iterable<string>;
  /** Authorizer names or ids declared on purpose (`--allow-authorizer`). */
  readonly allowAuthorizers?: Iterable<string>;
  /** A fresh random path segment for `{proxy+}` and `$default`. */
  readonly randomSegment: () => string;
}

/** Methods tried when an `ANY` route's GET, POST and DELETE all belong to more specific routes. */
const FALLBACK_METHODS = ['PUT', 'PATCH', 'HEAD'];
/** Methods tried to reach `$default`, in order; one request that reaches it is enough. */
const DEFAULT_ROUTE_METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD'];

/**
 * Pure: every route of the API as requests that reach exactly that route (checked with the gateway's
 * own route selection): `{param}` → a harmless value, `{proxy+}` → a random segment, `ANY` → GET, POST
 * and DELETE (less those a more specific route answers), `$default` → a path no other route matches.
 */
export function deriveRouteTargets(api: Pick<DeployedApi, 'routes' | 'authorizers'>, options: DeriveOptions): RouteTarget[] {
  const publicRoutes = new Set(options.publicRoutes ?? []);
  const allowed = new Set(options.allowAuthorizers ?? []);
  const parsed: { parsed: RankedRouteKey; route: DeployedRoute }[] = [];
  const unparsable = new Map<string, string>();
  for (const route of api.routes) {
    try {
      parsed.push({ parsed: parseRouteForMatching(route.routeKey), route });
    } catch (error) {
      unparsable.set(route.routeKey, (error as Error).message);
    }
  }
  const reaches = (probe: { method: string; path: string }, routeKey: string): boolean =>
    matchRoute(parsed, probe.method, probe.path)?.route.route.routeKey === routeKey;

  return sortRoutes(api.routes).map((route): RouteTarget => {
    const authorization = route.authorizationType ?? 'NONE';
    const authorizer = authorization === 'JWT' || authorization === 'CUSTOM' || authorization === 'AWS_IAM' ? authorizerLabel(api, route) : undefined;
    const base = {
      routeKey: route.routeKey,
      authorization,
      ...(route.authorizerId !== undefined && authorization !== 'NONE' ? { authorizerId: route.authorizerId } : {}),
      ...(authorizer !== undefined ? { authorizer } : {}),
      ...(route.authorizationScopes?.length ? { scopes: route.authorizationScopes } : {}),
      public: publicRoutes.has(route.routeKey),
      ...((route.authorizerId !== undefined && allowed.has(route.authorizerId)) || (authorizer !== undefined && allowed.has(authorizer))
        ? { declaredAuthorizer: true }
        : {}),
    };
    const why = unparsable.get(route.routeKey);
    if (why !== undefined) return { ...base, requests: [], unreachable: why };
    const requests = requestsFor(route.routeKey, options.randomSegment, reaches);
    if (requests.length > 0) return { ...base, requests };
    return {
      ...base,
      requests: [],
      unreachable: route.routeKey === '$default' ? 'every request matches another route first' : 'every request it answers matches a more specific route first',
    };
  });
}

function requestsFor(routeKey: string, random: () => string, reaches: (probe: RouteProbe, routeKey: string) => boolean): RouteProbe[] {
  if (routeKey === '$default') {
    // A random path, else `/` (which a root `{proxy+}` does not match: a greedy variable needs a segment).
    const paths = [`/${random()}/${random()}`, '/'];
    const first = paths.flatMap((path) => DEFAULT_ROUTE_METHODS.map((method) => ({ routeKey, method, path }))).find((probe) => reaches(probe, routeKey));
    return first ? [first] : [];
  }
  const candidates = probesForRoute(routeKey, random);
  // The harmless param value may be a sibling's literal, and a greedy path one segment deep may be a
  // sibling's `{param}`: then random values, and a greedy path two segments deep (tried only then).
  const alternative = (probe: RouteProbe): RouteProbe => {
    const path = probe.path
      .split('/')
      .map((segment) => (segment === PROBE_PARAM_VALUE ? random() : segment))
      .join('/');
    return { ...probe, path: /\+\}$/.test(routeKey) ? `${path}/${random()}` : path };
  };
  const reaching = (probe: RouteProbe): RouteProbe | undefined => {
    if (reaches(probe, routeKey)) return probe;
    const other = alternative(probe);
    return reaches(other, routeKey) ? other : undefined;
  };
  const found = candidates.map(reaching).filter((p): p is RouteProbe => p !== undefined);
  if (found.length > 0 || !routeKey.startsWith('ANY ')) return found;
  const path = candidates[0]!.path;
  const fallback = FALLBACK_METHODS.map((method) => reaching({ routeKey, method, path })).find((p) => p !== undefined);
  return fallback ? [fallback] : [];
}

/** Routes in a stable order: by path, then method; `$default` last. */
function sortRoutes(routes: readonly DeployedRoute[]): DeployedRoute[] {
  const key = (r: DeployedRoute): string =>
    r.routeKey === '$default' ? '\uffff' : `${r.routeKey.slice(r.routeKey.indexOf(' ') + 1)} ${r.routeKey.slice(0, r.routeKey.indexOf(' '))}`;
  return [...routes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface ProbeTargetOptions {
  /** Further paths to probe (the `paths` input, `--path`), with this method. */
  readonly paths?: readonly string[];
  /** @default 'GET' */
  readonly method?: string;
  /** Refusal statuses besides the expected ones for AWS_IAM and CUSTOM routes, whose authorizers answer 403. @default [403] */
  readonly unjudgedRefusals?: readonly number[];
}

/**
 * Pure: what the gate sends, from the derived routes and any extra paths. Every reachable route gets an
 * anonymous probe per request; the first protected route of each distinct JWT authorizer (no scopes,
 * literal path and GET preferred, since the valid token must be let in there) also gets the valid-token,
 * forgery and other-audience probes. An extra path that a route answers is probed as that route.
 */
export function toProbeTargets(routes: readonly RouteTarget[], options: ProbeTargetOptions = {}): ProbeTarget[] {
  const chosen = new Map<string, { target: RouteTarget; score: string }>();
  for (const target of routes) {
    if (target.authorization !== 'JWT' || target.public || target.requests.length === 0 || target.authorizerId === undefined) continue;
    const score = tokenProbeScore(target);
    const current = chosen.get(target.authorizerId);
    if (current === undefined || score < current.score) chosen.set(target.authorizerId, { target, score });
  }
  const tokenRoutes = new Set([...chosen.values()].map((c) => c.target));
  const unjudged = options.unjudgedRefusals ?? [403];
  const targets: ProbeTarget[] = [];
  for (const target of routes) {
    target.requests.forEach((request, index) => {
      targets.push({
        method: request.method,
        path: request.path,
        routeKey: target.routeKey,
        ...(target.authorizer !== undefined ? { authorizer: target.authorizer } : {}),
        access: target.public ? 'public' : 'protected',
        ...(target.authorization === 'AWS_IAM' || target.authorization === 'CUSTOM' ? { alsoRefusedWith: unjudged } : {}),
        ...(index === 0 && tokenRoutes.has(target) ? { authenticated: true } : {}),
        ...(index === 0 && tokenRoutes.has(target) && target.declaredAuthorizer
          ? {
              withoutValidToken: `authorizer ${target.authorizer ?? target.authorizerId} is declared with --allow-authorizer (meant to trust another issuer), so the valid token is not expected to be let in`,
            }
          : {}),
      });
    });
  }
  const method = (options.method ?? 'GET').toUpperCase();
  const parsed = routes.flatMap((target) => {
    try {
      return [{ parsed: parseRouteForMatching(target.routeKey), target }];
    } catch {
      return [];
    }
  });
  for (const path of options.paths ?? []) {
    if (targets.some((t) => t.method === method && t.path === path)) continue;
    const target = matchRoute(parsed, method, path)?.route.target;
    targets.push({
      method,
      path,
      ...(target ? { routeKey: target.routeKey, ...(target.authorizer !== undefined ? { authorizer: target.authorizer } : {}) } : {}),
      access: target?.public ? 'public' : 'protected',
      ...(target && (target.authorization === 'AWS_IAM' || target.authorization === 'CUSTOM') ? { alsoRefusedWith: unjudged } : {}),
    });
  }
  return targets;
}

/** Lower is better: no scopes, then literal paths over `{param}` over greedy, GET over ANY over others. */
function tokenProbeScore(target: RouteTarget): string {
  const request = target.requests[0]!;
  const path = target.routeKey === '$default' ? 3 : /\+\}/.test(target.routeKey) ? 2 : /\{/.test(target.routeKey) ? 1 : 0;
  const method = target.routeKey.startsWith('GET ') ? 0 : target.routeKey.startsWith('ANY ') && request.method === 'GET' ? 1 : 2;
  return `${target.scopes?.length ? 1 : 0}${path}${method} ${target.routeKey}`;
}
