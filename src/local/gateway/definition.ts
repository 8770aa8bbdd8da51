import type { CorsConfiguration } from '../../contract';

export type { CorsConfiguration } from '../../contract';

/**
 * The plain-data model of an HTTP API that the gateway emulator serves: what a cdktf stack
 * or the AWS control plane declares, reduced to what the data plane needs.
 */

export type AuthorizationType = 'NONE' | 'JWT' | 'AWS_IAM' | 'CUSTOM';

export interface JwtAuthorizerDefinition {
  /** Id that routes refer to (the logical name when loaded from a stack). */
  readonly id: string;
  readonly name?: string;
  /**
   * Where the token is read: one `$request.header.NAME` or `$request.querystring.NAME`.
   * @default ['$request.header.Authorization']
   */
  readonly identitySources?: readonly string[];
  /** Exact `iss` expected; discovery is fetched from `{issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** A token's `aud` (or, only when `aud` is absent, `client_id`) must equal one of these. */
  readonly audiences: readonly string[];
}

/** Payload format 2.0 event handed to an AWS_PROXY integration. */
export interface HttpApiEventV2 {
  readonly version: '2.0';
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly requestContext: HttpApiRequestContextV2;
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

export interface HttpApiRequestContextV2 {
  readonly accountId: string;
  readonly apiId: string;
  readonly authorizer?: { readonly jwt: { readonly claims: Record<string, string>; readonly scopes: string[] | null } };
  readonly domainName: string;
  readonly domainPrefix: string;
  readonly http: { readonly method: string; readonly path: string; readonly protocol: string; readonly sourceIp: string; readonly userAgent: string };
  readonly requestId: string;
  readonly routeKey: string;
  readonly stage: string;
  readonly time: string;
  readonly timeEpoch: number;
}

export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  getRemainingTimeInMillis(): number;
}

/** An in-process Lambda handler: async, or callback style when it takes a third argument. */
export type LambdaHandler = (event: HttpApiEventV2, context: LambdaContext, callback?: (error: unknown, result?: unknown) => void) => unknown;

/** Lambda code on disk: a deployment zip or an unpacked directory, plus `file.export` handler. */
export type LambdaCode =
  | { readonly zipPath: string; readonly directory?: undefined; readonly handler: string }
  | { readonly directory: string; readonly zipPath?: undefined; readonly handler: string };

export type IntegrationDefinition =
  /** Forwards the request to `uri` (path variables such as `{proxy}` are substituted). */
  | { readonly type: 'HTTP_PROXY'; readonly uri: string; readonly method?: string }
  /** Runs a Lambda in-process with a payload 2.0 event. */
  | { readonly type: 'AWS_PROXY'; readonly lambda: LambdaHandler | LambdaCode; readonly name?: string }
  /** Answers 200 with the route key, path parameters and the authorizer's claims (emulator-only). */
  | { readonly type: 'ECHO' };

export interface RouteDefinition {
  /** `GET /hello`, `ANY /{proxy+}`, `POST /items/{id}` or `$default`. */
  readonly routeKey: string;
  /** @default 'NONE' */
  readonly authorizationType?: AuthorizationType;
  /** Required when `authorizationType` is JWT. */
  readonly authorizerId?: string;
  /** When set, the token's `scope`/`scp` must hold one of these, else 403. */
  readonly authorizationScopes?: readonly string[];
  /** @default { type: 'ECHO' } */
  readonly integration?: IntegrationDefinition;
}

export interface GatewayDefinition {
  readonly apiId?: string;
  readonly name?: string;
  /** The API's CORS configuration, when it has one. */
  readonly cors?: CorsConfiguration;
  readonly authorizers: readonly JwtAuthorizerDefinition[];
  readonly routes: readonly RouteDefinition[];
  /** What a loader could not emulate and replaced (e.g. a Lambda without local code → ECHO). */
  readonly notes?: readonly string[];
}

export const DEFAULT_IDENTITY_SOURCE = '$request.header.Authorization';

/**
 * Which integration answers, in words for progress lines and reports: the stack's own Lambda, an
 * HTTP backend, or the emulator's ECHO stand-in (which proves nothing about the integration). Pure.
 */
export function describeIntegration(integration: IntegrationDefinition | undefined): string {
  if (!integration || integration.type === 'ECHO') return 'ECHO stand-in';
  if (integration.type === 'HTTP_PROXY') return `HTTP_PROXY ${integration.uri}`;
  const { lambda, name } = integration;
  if (typeof lambda === 'function') return `Lambda ${name ?? '(unnamed)'} (in-process handler)`;
  return `Lambda ${name ?? '(unnamed)'} (${lambda.handler} from ${lambda.zipPath !== undefined ? 'its deployment zip' : lambda.directory})`;
}
