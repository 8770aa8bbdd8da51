import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpApiEventV2, LambdaContext, LambdaHandler } from './definition';
import { interpretLambdaResult, type ProxyResponse } from './payload-v2';

/** What the client sees when an integration fails; statuses follow API Gateway's defaults. */
export class IntegrationFailure extends Error {
  constructor(
    readonly status: 500 | 502 | 503 | 504,
    readonly publicMessage: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'IntegrationFailure';
  }
}

/** HTTP APIs stop waiting for an integration after 30 s [AWS-Q]. */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/**
 * Invokes a handler in-process. Async handlers, plain return values and callback-style handlers
 * (three parameters) all work. A throw answers 500 {"message":"Internal Server Error"} and an
 * unusable result 502, as API Gateway does for a Lambda error or a malformed response.
 */
export async function invokeLambda(
  handler: LambdaHandler,
  event: HttpApiEventV2,
  functionName: string,
  timeoutMs = INTEGRATION_TIMEOUT_MS,
): Promise<ProxyResponse> {
  const deadline = Date.now() + timeoutMs;
  const context: LambdaContext = {
    awsRequestId: event.requestContext.requestId,
    functionName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    new Promise<unknown>((resolve, reject) => {
      const callback = (error: unknown, value?: unknown) => (error ? reject(error) : resolve(value));
      try {
        const returned = handler.length >= 3 ? handler(event, context, callback) : handler(event, context);
        if (handler.length < 3 || (returned && typeof (returned as Promise<unknown>).then === 'function')) Promise.resolve(returned).then(resolve, reject);
      } catch (error) {
        reject(error);
      }
    }).catch((error: unknown) => {
      throw new IntegrationFailure(
        500,
        'Internal Server Error',
        `the Lambda ${functionName} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new IntegrationFailure(503, 'Service Unavailable', `the Lambda ${functionName} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  try {
    return interpretLambdaResult(result);
  } catch (error) {
    throw new IntegrationFailure(
      502,
      'Internal Server Error',
      `the Lambda ${functionName} returned an unusable response: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

export interface ForwardInput {
  readonly uri: string;
  readonly method: string;
  /** Query string of the incoming request, without `?`. */
  readonly rawQueryString: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly pathParameters: Record<string, string>;
  readonly sourceIp: string;
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

/**
 * HTTP_PROXY: sends the request to the integration URI. Path variables in the URI (`{proxy}`,
 * `{id}`) take the route's values; nothing else of the path is appended, and the query string is
 * passed on. A backend that cannot be reached answers 503, one that is too slow 504.
 */
export function forwardHttp(input: ForwardInput): Promise<ProxyResponse> {
  const substituted = input.uri.replace(/\{([A-Za-z0-9._-]+)\+?\}/g, (whole, name: string) => {
    const value = input.pathParameters[name];
    return value === undefined ? whole : value.split('/').map(encodeURIComponent).join('/');
  });
  const target = new URL(substituted);
  if (input.rawQueryString) target.search = target.search ? `${target.search}&${input.rawQueryString}` : `?${input.rawQueryString}`;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(input.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  const forwardedFor = input.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${input.sourceIp}` : input.sourceIp;
  headers['content-length'] = String(input.body.length);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ProxyResponse>((resolve, reject) => {
    const outgoing = send(
      target,
      { method: input.method, headers, ...(input.agent && target.protocol === 'http:' ? { agent: input.agent } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) =>
          reject(new IntegrationFailure(502, 'Internal Server Error', `HTTP_PROXY response from ${target.origin} broke: ${error.message}`)),
        );
        response.on('end', () => {
          const out: Record<string, string> = {};
          const cookies: string[] = [];
          for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined || HOP_BY_HOP.has(name)) continue;
            if (name === 'set-cookie') cookies.push(...(Array.isArray(value) ? value : [value]));
            else out[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ statusCode: response.statusCode ?? 502, headers: out, cookies, body: Buffer.concat(chunks) });
        });
      },
    );
    outgoing.setTimeout(input.timeoutMs ?? INTEGRATION_TIMEOUT_MS, () =>
      outgoing.destroy(new IntegrationFailure(504, 'Gateway Timeout', `HTTP_PROXY ${target.origin} did not answer in time`)),
    );
    outgoing.on('error', (error) =>
      reject(
        error instanceof IntegrationFailure
          ? error
          : new IntegrationFailure(503, 'Service Unavailable', `HTTP_PROXY ${target.origin} could not be reached: ${error.message}`),
      ),
    );
    outgoing.end(input.body);
  });
}
