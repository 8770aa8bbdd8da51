import type { IncomingHttpHeaders } from 'node:http';
import type { CorsConfiguration } from './definition';
import type { ProxyResponse } from './payload-v2';

/**
 * CORS as an HTTP API with a `cors_configuration` applies it [AWS-CORS, protocols.md §1]: CORS headers
 * are returned only to requests with an `Origin`; a preflight is an OPTIONS request with `Origin` and
 * `Access-Control-Request-Method`, answered by the gateway itself (no route, no authorizer, no
 * integration); and the integration's own CORS headers are dropped for the configured ones.
 */
export function isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && typeof headers.origin === 'string' && typeof headers['access-control-request-method'] === 'string';
}

/**
 * The gateway's answer to a preflight: 204 with the configured allow-* headers when the origin is
 * allowed. For an origin that is not, the status and the absence of CORS headers are observed
 * behaviour, not documented **[uncertain]**: 204 without CORS headers, so the browser refuses.
 */
export function preflightResponse(cors: CorsConfiguration, headers: IncomingHttpHeaders): ProxyResponse {
  const allowOrigin = allowedOrigin(cors, headers.origin);
  const out: Record<string, string> = {};
  if (allowOrigin !== undefined) {
    out['access-control-allow-origin'] = allowOrigin;
    if (cors.allowMethods?.length) out['access-control-allow-methods'] = cors.allowMethods.join(',');
    if (cors.allowHeaders?.length) out['access-control-allow-headers'] = cors.allowHeaders.join(',');
    if (cors.maxAge !== undefined) out['access-control-max-age'] = String(cors.maxAge);
    if (cors.allowCredentials) out['access-control-allow-credentials'] = 'true';
  }
  return { statusCode: 204, headers: out, cookies: [], body: Buffer.alloc(0) };
}

/**
 * An integration's response as the client sees it: its `access-control-*` headers ignored, the
 * configured ones added for an allowed origin. The docs name integration responses only, so the
 * authorizer's own 401/403 carry no CORS headers here **[uncertain]**.
 */
export function withCorsHeaders(cors: CorsConfiguration, headers: IncomingHttpHeaders, response: ProxyResponse): ProxyResponse {
  const kept = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')));
  const allowOrigin = allowedOrigin(cors, headers.origin);
  if (allowOrigin !== undefined) {
    kept['access-control-allow-origin'] = allowOrigin;
    if (cors.exposeHeaders?.length) kept['access-control-expose-headers'] = cors.exposeHeaders.join(',');
    if (cors.allowCredentials) kept['access-control-allow-credentials'] = 'true';
  }
  return { ...response, headers: kept };
}

/** `*` answers `*`; an exact origin or a scheme wildcard (`https://*`) answers the request's origin. */
function allowedOrigin(cors: CorsConfiguration, origin: string | string[] | undefined): string | undefined {
  if (typeof origin !== 'string' || origin === '') return undefined;
  const origins = cors.allowOrigins ?? [];
  if (origins.includes('*')) return '*';
  const matches = origins.some((allowed) =>
    allowed.endsWith('://*') ? origin.startsWith(allowed.slice(0, -1)) : allowed.toLowerCase() === origin.toLowerCase(),
  );
  return matches ? origin : undefined;
}
