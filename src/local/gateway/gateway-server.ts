import { randomBytes } from 'node:crypto';
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../server';
import { AccessLogBuffer, type AccessLogRecord } from './access-log';
import { isPreflight, preflightResponse, withCorsHeaders } from './cors';
import { compileDefinition, type CompiledRoute } from './compile-definition';
import type { GatewayDefinition } from './definition';
import { forwardHttp, IntegrationFailure, invokeLambda, INTEGRATION_TIMEOUT_MS } from './integrations';
import { JwksFetcher, type JwksFetcherOptions } from '../../token/jwks-fetcher';
import { authorizeJwt, type JwtCheckOptions } from './jwt-authorizer';
import { LambdaLoader } from './lambda-loader';
import { buildEventV2, stringifyClaims, type ProxyResponse } from './payload-v2';
import { matchRoute } from '../../contract/route-match';

/**
 * Signing-key options, API Gateway's by default (see JwksFetcher): "API Gateway can cache public keys for
 * two hours", so issuers must "allow a grace period during which both the old and new keys are valid"
 * (protocols.md §1). A key the issuer signs with before it was published stays unknown until the
 * cache expires, and a withdrawn key keeps verifying until then. Whether HTTP APIs refetch early on an
 * unknown `kid` is not documented (REST API JWT authorizers do) **[uncertain]**: the stricter reading,
 * no early refetch, is the default; `unknownKidRefetchMs` turns an early refetch on.
 */
export type GatewayKeyOptions = Omit<JwksFetcherOptions, 'now' | 'discoveryUrl'>;

/** The most API Gateway caches keys (2 h); `cacheTtlMs` may not exceed it. */
export const MAX_CACHE_TTL_MS = 2 * 60 * 60 * 1000;

export interface GatewayOptions extends JwtCheckOptions, GatewayKeyOptions {
  readonly definition: GatewayDefinition;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Request line + headers limit [AWS-Q]. @default 10240 */
  readonly maxRequestHeaderBytes?: number;
  /**
   * Status for a request over `maxRequestHeaderBytes`. AWS does not document it, so this is
   * **[uncertain]**. @default 431
   */
  readonly headerTooLargeStatus?: 413 | 431;
  /** Receives every access-log line as it is written. */
  readonly accessLog?: (line: string) => void;
  /** Lines kept in `GatewayEmulator.accessLog`. @default 1000 */
  readonly accessLogLimit?: number;
  /** @default 30000 (the HTTP API integration time-out) */
  readonly integrationTimeoutMs?: number;
}

export interface GatewayEmulator {
  /** Invoke URL of the `$default` stage (no stage segment), e.g. `http://127.0.0.1:43117`. */
  readonly url: string;
  readonly port: number;
  /** The latest access-log lines, one JSON object per request, oldest first. */
  readonly accessLog: readonly string[];
  close(): Promise<void>;
}

const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Starts the API Gateway HTTP API data plane emulator on loopback (protocols.md §1): route
 * selection, JWT authorizers that verify signatures and claims, AWS_PROXY (payload 2.0),
 * HTTP_PROXY and ECHO integrations, and one access-log line per request.
 * AWS_IAM routes answer 403 {"message":"Forbidden"} and CUSTOM (Lambda authorizer) routes 401
 * {"message":"Unauthorized"}: neither is emulated, and the log says so.
 */
export async function startGateway(options: GatewayOptions): Promise<GatewayEmulator> {
  const loader = new LambdaLoader();
  let routes: CompiledRoute[];
  try {
    routes = compileDefinition(options.definition, loader);
  } catch (error) {
    loader.dispose();
    throw error;
  }
  const now = options.now ?? Date.now;
  const keys = gatewayKeys({ ...options, now });
  const log = new AccessLogBuffer(options.accessLogLimit ?? 1000, options.accessLog);
  const maxHeaderBytes = options.maxRequestHeaderBytes ?? 10_240;
  const agent = new Agent({ keepAlive: true });
  const apiId = options.definition.apiId ?? 'local';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = now();
    const requestId = nextRequestId();
    const target = req.url ?? '/';
    const path = target.split('?')[0] ?? '/';
    const record: { -readonly [K in keyof AccessLogRecord]: AccessLogRecord[K] } = {
      requestId,
      ip: req.socket.remoteAddress ?? '-',
      requestTime: new Date(started).toISOString(),
      httpMethod: req.method ?? 'GET',
      path,
      routeKey: '-',
      status: 0,
      protocol: `HTTP/${req.httpVersion}`,
      responseLength: 0,
      integrationLatency: '-',
      integrationStatus: '-',
      authorizerError: '-',
      integrationError: '-',
    };
    const reply = (response: ProxyResponse): void => {
      const headers: Record<string, string | string[]> = { ...response.headers, 'content-length': String(response.body.length), 'apigw-requestid': requestId };
      if (response.cookies.length > 0) headers['set-cookie'] = [...response.cookies];
      res.writeHead(response.statusCode, headers);
      res.end(response.body);
      record.status = response.statusCode;
      record.responseLength = response.body.length;
      log.push(record);
    };
    const message = (status: number, text: string, extra: Record<string, string> = {}): void =>
      reply({
        statusCode: status,
        headers: { 'content-type': 'application/json', ...extra },
        cookies: [],
        body: Buffer.from(JSON.stringify({ message: text })),
      });

    if (headerBytes(req) > maxHeaderBytes) return message(options.headerTooLargeStatus ?? 431, 'Request Header Fields Too Large');
    // With a CORS configuration the gateway answers preflights itself, before routes and authorizers.
    const cors = options.definition.cors;
    if (cors && isPreflight(record.httpMethod, req.headers)) return reply(preflightResponse(cors, req.headers));
    const matched = matchRoute(routes, record.httpMethod, path);
    if (!matched) return message(404, 'Not Found');
    const { route, pathParameters } = matched;
    record.routeKey = route.parsed.routeKey;

    let authorizer: { claims: Record<string, unknown>; scopes: string[] | null } | undefined;
    switch (route.definition.authorizationType ?? 'NONE') {
      case 'AWS_IAM':
        record.authorizerError = 'AWS_IAM authorization is not emulated';
        return message(403, 'Forbidden');
      case 'CUSTOM':
        record.authorizerError = 'CUSTOM (Lambda) authorizers are not emulated';
        return message(401, 'Unauthorized');
      case 'JWT': {
        const compiled = route.authorizer;
        if (!compiled) throw new TypeError(`route ${route.parsed.routeKey} lost its authorizer`);
        const outcome = await authorizeJwt(
          identityValue(req, target, compiled.identitySource),
          compiled.definition,
          route.definition.authorizationScopes,
          keys,
          { ...options, now },
        );
        if (!outcome.ok) {
          record.authorizerError = outcome.error;
          return outcome.status === 403
            ? message(403, 'Forbidden')
            : message(401, 'Unauthorized', outcome.challenge ? { 'www-authenticate': outcome.challenge } : {});
        }
        authorizer = { claims: outcome.claims, scopes: outcome.scopes };
        break;
      }
      default:
        break;
    }

    let body: Buffer;
    try {
      body = await readRawBody(req, MAX_PAYLOAD_BYTES);
    } catch {
      return message(413, 'Request Entity Too Large');
    }
    const integrationStarted = Date.now();
    try {
      const response = await runIntegration(route, req, target, body, pathParameters, authorizer, requestId, started);
      record.integrationStatus = response.statusCode;
      record.integrationLatency = Date.now() - integrationStarted;
      return reply(cors ? withCorsHeaders(cors, req.headers, response) : response);
    } catch (error) {
      record.integrationLatency = Date.now() - integrationStarted;
      if (!(error instanceof IntegrationFailure)) throw error;
      record.integrationError = error.message;
      return message(error.status, error.publicMessage);
    }
  };

  const runIntegration = async (
    route: CompiledRoute,
    req: IncomingMessage,
    target: string,
    body: Buffer,
    pathParameters: Record<string, string>,
    authorizer: { claims: Record<string, unknown>; scopes: string[] | null } | undefined,
    requestId: string,
    started: number,
  ): Promise<ProxyResponse> => {
    const integration = route.integration;
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    if (integration.type === 'HTTP_PROXY') {
      const queryAt = target.indexOf('?');
      return forwardHttp({
        uri: integration.uri,
        method: integration.method && integration.method !== 'ANY' ? integration.method : (req.method ?? 'GET'),
        rawQueryString: queryAt < 0 ? '' : target.slice(queryAt + 1),
        headers: req.headers,
        body,
        pathParameters,
        sourceIp,
        agent,
        timeoutMs: options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
      });
    }
    if (integration.type === 'AWS_PROXY') {
      const event = buildEventV2({
        apiId,
        requestId,
        routeKey: route.parsed.routeKey,
        method: req.method ?? 'GET',
        target,
        headers: req.headers,
        sourceIp,
        host: req.headers.host ?? '127.0.0.1',
        pathParameters,
        body,
        ...(authorizer ? { authorizer } : {}),
        timeEpoch: started,
      });
      return invokeLambda(integration.handler, event, integration.name, options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS);
    }
    const echo = {
      routeKey: route.parsed.routeKey,
      path: target.split('?')[0],
      pathParameters,
      claims: authorizer ? stringifyClaims(authorizer.claims) : null,
      scopes: authorizer?.scopes ?? null,
    };
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(JSON.stringify(echo)) };
  };

  // Node's own header limit is raised well above the emulated one so the gateway, not node, answers.
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(handle, { port: options.port ?? 0, maxHeaderSize: Math.max(64 * 1024, maxHeaderBytes * 2) });
  } catch (error) {
    // Not listening (e.g. the port is taken): release the agent and any unpacked Lambda folders.
    agent.destroy();
    loader.dispose();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    get accessLog() {
      return log.lines;
    },
    close() {
      closing ??= server.close().then(() => {
        agent.destroy();
        loader.dispose();
      });
      return closing;
    },
  };
}

/** Ids shaped like API Gateway's (`Mc7UVioPPHcEKPA=`): a random prefix plus a counter, cheap per request. */
const idPrefix = randomBytes(6);
let idCounter = randomBytes(4).readUInt32BE(0);
function nextRequestId(): string {
  idCounter = (idCounter + 1) >>> 0;
  const id = Buffer.allocUnsafe(10);
  idPrefix.copy(id, 0);
  id.writeUInt32BE(idCounter, 6);
  return id.toString('base64');
}

/** The request body as bytes (binary-safe), refusing more than `limit`; no body → empty buffer without waiting. */
async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return Buffer.alloc(0);
  if (Number(req.headers['content-length']) > limit) throw new RangeError(`request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RangeError(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Bytes of the request line plus headers as sent (`METHOD target HTTP/x.y`, `name: value` lines, blank line). */
function headerBytes(req: IncomingMessage): number {
  let total = Buffer.byteLength(`${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}\r\n`) + 2;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) total += Buffer.byteLength(raw[i] as string) + Buffer.byteLength(raw[i + 1] as string) + 4;
  return total;
}

function identityValue(req: IncomingMessage, target: string, source: { from: 'header' | 'querystring'; name: string }): string | undefined {
  if (source.from === 'header') {
    const value = req.headers[source.name];
    return Array.isArray(value) ? value.join(',') : value;
  }
  const queryAt = target.indexOf('?');
  if (queryAt < 0) return undefined;
  return new URLSearchParams(target.slice(queryAt + 1)).get(source.name) ?? undefined;
}

/** The gateway's JWKS fetcher: discovery from the issuer, AWS's limits, keys cached at most 2 h. */
export function gatewayKeys(options: GatewayKeyOptions & { readonly now?: () => number }): JwksFetcher {
  const ttl = options.cacheTtlMs ?? MAX_CACHE_TTL_MS;
  if (ttl > MAX_CACHE_TTL_MS) throw new TypeError(`cacheTtlMs: got ${ttl}; expected at most ${MAX_CACHE_TTL_MS} (API Gateway caches keys up to 2 h)`);
  return new JwksFetcher(options);
}
