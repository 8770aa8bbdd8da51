import { HTTP_METHODS } from './routes';
/**
 * HTTP API route selection, pure. Rules (API Gateway "Routing API requests"): a path with more
 * literal segments is more specific than one with `{param}` segments, which beats a greedy
 * `{proxy+}`; `$default` catches whatever else. When two routes are equally specific by path,
 * an exact method beats `ANY`. Comparing path specificity before the method is **[uncertain]**
 * (AWS documents only the examples), so keep a test on it if that choice ever changes.
 */

export type Segment =
  { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'param'; readonly name: string } | { readonly kind: 'greedy'; readonly name: string };

/** A route key split for matching, with its specificity rank (the contract's ParsedRouteKey only checks the form). */
export interface RankedRouteKey {
  readonly routeKey: string;
  /** Upper-case method, `ANY`, or undefined for `$default`. */
  readonly method?: string;
  readonly segments: readonly Segment[];
  readonly isDefault: boolean;
  /** Specificity per segment (literal 3, param 2, greedy 1) then 1 for an exact method, 0 for ANY. */
  readonly rank: readonly number[];
}

export interface RouteMatch<T> {
  readonly route: T;
  readonly pathParameters: Record<string, string>;
}

const METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

/**
 * Parses a route key for matching (segments and specificity rank). Declared routes are checked by the
 * contract's stricter parseRouteKey; this one accepts any key API Gateway may hand back (e.g. from moto).
 * Throws a one-line TypeError naming the key when it has no valid form.
 */
export function parseRouteForMatching(routeKey: string): RankedRouteKey {
  if (routeKey === '$default') return { routeKey, segments: [], isDefault: true, rank: [] };
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match || !METHODS.has(match[1] as string)) {
    throw new TypeError(`routeKey: got ${JSON.stringify(routeKey)}; expected "$default" or "METHOD /path" with METHOD one of ${[...METHODS].join(', ')}`);
  }
  const path = match[2] as string;
  const parts = splitPath(path);
  const segments = parts.map((part, index): Segment => {
    const greedy = /^\{([A-Za-z0-9._-]+)\+\}$/.exec(part);
    if (greedy) {
      if (index !== parts.length - 1) throw new TypeError(`routeKey: got ${JSON.stringify(routeKey)}; expected a greedy {name+} only as the last segment`);
      return { kind: 'greedy', name: greedy[1] as string };
    }
    const param = /^\{([A-Za-z0-9._-]+)\}$/.exec(part);
    if (param) return { kind: 'param', name: param[1] as string };
    return { kind: 'literal', value: part };
  });
  const method = match[1] as string;
  return { routeKey, method, segments, isDefault: false, rank: [...segments.map(specificity), method === 'ANY' ? 0 : 1] };
}

/** Finds the most specific route for a request, or undefined (the caller answers 404). */
export function matchRoute<T extends { readonly parsed: RankedRouteKey }>(routes: readonly T[], method: string, path: string): RouteMatch<T> | undefined {
  const parts = splitPath(path);
  let best: { route: T; params: Record<string, string>; rank: readonly number[] } | undefined;
  let fallback: T | undefined;
  for (const route of routes) {
    const { parsed } = route;
    if (parsed.isDefault) {
      fallback = route;
      continue;
    }
    if (parsed.method !== 'ANY' && parsed.method !== method.toUpperCase()) continue;
    const params = matchSegments(parsed.segments, parts);
    if (!params) continue;
    if (!best || compareRank(parsed.rank, best.rank) > 0) best = { route, params, rank: parsed.rank };
  }
  if (best) return { route: best.route, pathParameters: best.params };
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}

function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] as Segment;
    if (segment.kind === 'greedy') {
      // A greedy variable needs at least one segment: `/{proxy+}` does not match `/`.
      if (i >= parts.length) return undefined;
      params[segment.name] = parts.slice(i).map(decodeSegment).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (segment.value !== part) return undefined;
    } else {
      params[segment.name] = decodeSegment(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
}

/** Literal 3, `{param}` 2, greedy 1, compared segment by segment from the left. */
function specificity(segment: Segment): number {
  return segment.kind === 'literal' ? 3 : segment.kind === 'param' ? 2 : 1;
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  // The method flag is last in each rank; compare path segments first, longer literal paths win.
  const lengthA = a.length - 1;
  const lengthB = b.length - 1;
  for (let i = 0; i < Math.max(lengthA, lengthB); i += 1) {
    const x = i < lengthA ? (a[i] as number) : 0;
    const y = i < lengthB ? (b[i] as number) : 0;
    if (x !== y) return x - y;
  }
  return (a[a.length - 1] ?? 0) - (b[b.length - 1] ?? 0);
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
