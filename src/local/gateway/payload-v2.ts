import type { IncomingHttpHeaders } from 'node:http';
import type { HttpApiEventV2 } from './definition';

export interface EventInput {
  readonly apiId: string;
  readonly requestId: string;
  readonly routeKey: string;
  readonly method: string;
  /** Request target as received (`/path?query`). */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly sourceIp: string;
  readonly host: string;
  readonly pathParameters: Record<string, string>;
  readonly body: Buffer;
  readonly authorizer?: { readonly claims: Record<string, unknown>; readonly scopes: string[] | null };
  readonly timeEpoch: number;
}

/** Builds the payload format 2.0 event [AWS-LAMBDA] an AWS_PROXY integration receives. */
export function buildEventV2(input: EventInput): HttpApiEventV2 {
  const queryAt = input.target.indexOf('?');
  const rawPath = queryAt < 0 ? input.target : input.target.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : input.target.slice(queryAt + 1);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies = (Array.isArray(value) ? value.join('; ') : value).split(/;\s*/).filter(Boolean);
      continue;
    }
    // Repeated headers are joined with commas in payload 2.0.
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = queryParameters(rawQueryString);
  const contentType = headers['content-type'] ?? '';
  const textual = input.body.length === 0 || isTextual(contentType);
  const time = new Date(input.timeEpoch);
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: input.apiId,
      ...(input.authorizer ? { authorizer: { jwt: { claims: stringifyClaims(input.authorizer.claims), scopes: input.authorizer.scopes } } } : {}),
      domainName: input.host,
      domainPrefix: input.host.split('.')[0] ?? input.host,
      http: { method: input.method, path: safeDecode(rawPath), protocol: 'HTTP/1.1', sourceIp: input.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: clfTime(time),
      timeEpoch: input.timeEpoch,
    },
    ...(input.body.length > 0 ? { body: textual ? input.body.toString('utf8') : input.body.toString('base64') } : {}),
    isBase64Encoded: !textual,
  };
}

/**
 * Claim values as the integration sees them: strings as-is, numbers and booleans as text, arrays
 * as `[a b]` [AWS-LAMBDA]. Nested objects are shown as JSON, which is **[uncertain]**.
 */
export function stringifyClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) out[name] = claimText(value);
  return out;
}

function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimText).join(' ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export interface ProxyResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/**
 * Interprets what a Lambda returned (payload 2.0): an object with `statusCode` is a full response;
 * anything else is the body of a 200 `application/json` answer [AWS-LAMBDA].
 */
export function interpretLambdaResult(result: unknown): ProxyResponse {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const shaped = result as {
      statusCode: unknown;
      headers?: unknown;
      multiValueHeaders?: unknown;
      cookies?: unknown;
      body?: unknown;
      isBase64Encoded?: unknown;
    };
    const statusCode = Number(shaped.statusCode);
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
      throw new TypeError(`the Lambda returned statusCode ${String(shaped.statusCode)}`);
    const headers: Record<string, string> = {};
    if (shaped.headers && typeof shaped.headers === 'object') {
      for (const [name, value] of Object.entries(shaped.headers as Record<string, unknown>)) headers[name.toLowerCase()] = String(value);
    }
    const bodyText = shaped.body === undefined || shaped.body === null ? '' : typeof shaped.body === 'string' ? shaped.body : JSON.stringify(shaped.body);
    const body = shaped.isBase64Encoded === true ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
    const cookies = Array.isArray(shaped.cookies) ? shaped.cookies.map(String) : [];
    return { statusCode, headers, cookies, body };
  }
  const text = JSON.stringify(result === undefined ? null : result);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(text, 'utf8') };
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    // Repeated parameters are joined with commas in payload 2.0.
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

/**
 * Payload 2.0 passes a body as text only for `text/*`, `application/json`, `application/xml` and
 * `application/javascript` (protocols.md §1, observed); every other type — none, form bodies,
 * `+json`/`+xml` suffixes, binary — arrives base64 with `isBase64Encoded: true`.
 */
function isTextual(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || type === 'application/json' || type === 'application/xml' || type === 'application/javascript';
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of requestContext.time. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
