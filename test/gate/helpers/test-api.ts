import type { IncomingMessage } from 'node:http';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { listen, sendJson, type RunningServer } from '../../../src/local/server';
import type { TestIssuer } from './issuer';

/** Deliberate defects, one per kind of broken API the gate must catch. */
export type Flaw = 'none' | 'open' | 'ignores-signature' | 'trusts-unknown-kid' | 'accepts-alg-none' | 'ignores-audience' | 'always-401';

export interface TestApiOptions {
  readonly issuer: TestIssuer;
  readonly flaw?: Flaw;
  /** Answer for requests without an Authorization header, instead of 401. */
  readonly anonymous?: { readonly status: number; readonly headers?: Record<string, string> };
  /** Until this many ms after start, the API is open (a deployment still rolling out). */
  readonly openForMs?: number;
  /** The clock `openForMs` is counted on (the gate's, when a test runs it on virtual time). @default Date.now */
  readonly now?: () => number;
  /** The valid token must carry this scope in scp, else 403 (API Gateway authorization_scopes). */
  readonly requiredScope?: string;
  /** Issuer the API trusts (to model a v1/v2 mix-up). @default issuer.issuer */
  readonly trustedIssuer?: string;
  /** Paths that exist; others answer 404. @default any */
  readonly routes?: readonly string[];
  /**
   * A leaky, hostile API: it echoes the Authorization header in halves — header.payload in `location`,
   * the signature in `www-authenticate` (neither holds the whole token) — and whole in `x-seen-authorization`
   * and the body.
   */
  readonly echoAuthorization?: boolean;
}

export interface TestApi extends RunningServer {
  readonly requests: { method: string; path: string; authorization: string | undefined }[];
}

const unauthorized = { 'www-authenticate': 'Bearer error="invalid_token" error_description="the token is not valid"' };

/**
 * A tiny API behind a JWT check in the style of an API Gateway JWT authorizer (kid → key, RS256
 * signature, iss, aud, exp), with switchable defects.
 */
export async function startTestApi(options: TestApiOptions): Promise<TestApi> {
  const now = options.now ?? Date.now;
  const started = now();
  const requests: TestApi['requests'] = [];
  const flaw = options.flaw ?? 'none';
  const server = await listen(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? 'GET', path, authorization });
    // Like API Gateway's front door: request line + headers over 10,240 bytes never reach the authorizer.
    if (requestHeaderBytes(req) > 10_240) return sendJson(res, 431, { message: 'Request Header Fields Too Large' });
    if (options.routes && !options.routes.includes(path)) return sendJson(res, 404, { message: 'Not Found' });
    const echo: Record<string, string> = options.echoAuthorization && authorization ? echoHeaders(authorization) : {};
    const seen = echo['x-seen-authorization'] !== undefined ? { seen: authorization } : {};
    if (flaw === 'open' || (options.openForMs !== undefined && now() - started < options.openForMs)) return sendJson(res, 200, { ok: true, ...seen }, echo);
    if (authorization === undefined || authorization === '') {
      if (options.anonymous) return sendJson(res, options.anonymous.status, { message: 'anonymous' }, options.anonymous.headers);
      return sendJson(res, 401, { message: 'Unauthorized' }, { ...unauthorized, ...echo });
    }
    const accepted = await check(req, options, flaw);
    if (!accepted.ok) return sendJson(res, 401, { message: 'Unauthorized', ...seen }, { ...unauthorized, ...echo });
    if (options.requiredScope !== undefined) {
      const scp = typeof accepted.claims['scp'] === 'string' ? accepted.claims['scp'].split(' ') : [];
      if (!scp.includes(options.requiredScope)) return sendJson(res, 403, { message: 'Forbidden', ...seen }, echo);
    }
    return sendJson(res, 200, { ok: true, sub: accepted.claims.sub, ...seen }, echo);
  });
  return { ...server, close: () => server.close(), requests };
}

function requestHeaderBytes(req: IncomingMessage): number {
  let bytes = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`.length;
  for (let i = 0; i < req.rawHeaders.length; i += 2) bytes += req.rawHeaders[i]!.length + req.rawHeaders[i + 1]!.length + 4;
  return bytes;
}

function echoHeaders(authorization: string): Record<string, string> {
  const cut = authorization.lastIndexOf('.');
  const [front, signature] = cut > 0 ? [authorization.slice(0, cut), authorization.slice(cut + 1)] : [authorization, ''];
  return {
    location: `https://echo.invalid/seen?token=${front.replace(/^Bearer /, '')}`,
    'www-authenticate': `Bearer error="invalid_token" error_description="signature ${signature} is not valid"`,
    'x-seen-authorization': authorization,
  };
}

type Checked = { ok: true; claims: Record<string, unknown> & { sub?: string } } | { ok: false };

async function check(req: IncomingMessage, options: TestApiOptions, flaw: Flaw): Promise<Checked> {
  if (flaw === 'always-401') return { ok: false };
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : header;
  const issuer = options.trustedIssuer ?? options.issuer.issuer;
  const audience = options.issuer.audience;
  let alg: unknown;
  let kid: unknown;
  try {
    ({ alg, kid } = decodeProtectedHeader(token));
  } catch {
    return { ok: false };
  }
  // The defects read claims without verifying, but still check iss/aud/exp like a careless API would.
  const decodeAndCheck = (checkAudience = true): Checked => {
    try {
      const claims = decodeJwt(token);
      const audOk = !checkAudience || claims.aud === audience || (Array.isArray(claims.aud) && claims.aud.includes(audience));
      const fresh = typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
      return claims.iss === issuer && audOk && fresh ? { ok: true, claims } : { ok: false };
    } catch {
      return { ok: false };
    }
  };
  if (flaw === 'ignores-signature') return decodeAndCheck();
  if (flaw === 'trusts-unknown-kid' && kid !== options.issuer.kid) return decodeAndCheck();
  if (flaw === 'accepts-alg-none' && alg === 'none') return decodeAndCheck();
  try {
    const { payload } = await jwtVerify(token, options.issuer.keySet, {
      issuer,
      algorithms: ['RS256'],
      ...(flaw === 'ignores-audience' ? {} : { audience }),
    });
    return { ok: true, claims: payload };
  } catch {
    return { ok: false };
  }
}
