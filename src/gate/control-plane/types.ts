import type { CorsConfiguration } from '../../contract/cors';

/**
 * What the AWS control plane says about one deployed HTTP API, as plain data: the one snapshot that
 * route derivation, the audit, the gate's pacing and the gateway emulator's loader all read. Field
 * names follow the gateway emulator's definition, so a definition loaded from a stack can stand in.
 */

/** A route's `AuthorizationType` (protocols.md §1). */
export type RouteAuthorization = 'NONE' | 'JWT' | 'AWS_IAM' | 'CUSTOM';

export interface DeployedRoute {
  /** `GET /orders`, `ANY /{proxy+}` or `$default`. */
  readonly routeKey: string;
  /** @default 'NONE' */
  readonly authorizationType?: RouteAuthorization;
  readonly authorizerId?: string;
  readonly authorizationScopes?: readonly string[];
  /** `integrations/<id>`, when the route has a target. */
  readonly target?: string;
}

export interface DeployedAuthorizer {
  readonly id: string;
  readonly name?: string;
  /** `JWT`, or `REQUEST` for a Lambda (CUSTOM) authorizer. @default 'JWT' */
  readonly type?: 'JWT' | 'REQUEST';
  /** The exact `iss` a JWT authorizer accepts. */
  readonly issuer?: string;
  /** `aud` values a JWT authorizer accepts. */
  readonly audiences: readonly string[];
  readonly identitySources?: readonly string[];
}

/** Throttling of a stage (its default route settings) or of one route: a token bucket [AWS-Q]. */
export interface Throttling {
  /** Requests that may start at once (the bucket's size). */
  readonly burstLimit?: number;
  /** Requests per second that refill the bucket. */
  readonly rateLimit?: number;
}

export interface DeployedStage {
  /** `$default`, or a named stage (its name is then the first path segment of the invoke URL). */
  readonly name: string;
  /** Where access logs go; absent when the stage writes none. */
  readonly accessLogDestination?: string;
  readonly throttling?: Throttling;
  /** Per-route throttling, keyed by route key. */
  readonly routeThrottling?: Readonly<Record<string, Throttling>>;
}

export interface DeployedIntegration {
  readonly id: string;
  /** `AWS_PROXY`, `HTTP_PROXY`, `MOCK`, … */
  readonly type?: string;
  readonly uri?: string;
  readonly method?: string;
}

export interface DeployedApi {
  readonly apiId: string;
  readonly name?: string;
  /** `HTTP` or `WEBSOCKET`. */
  readonly protocolType?: string;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com`. */
  readonly endpoint?: string;
  readonly cors?: CorsConfiguration;
  readonly routes: readonly DeployedRoute[];
  /** The authorizers routes refer to (read one by one: moto has no GetAuthorizers). */
  readonly authorizers: readonly DeployedAuthorizer[];
  /** The stage the gate probes; absent when the API has none (it then serves nothing). */
  readonly stage?: DeployedStage;
  /** The API's stages, when it has several and none is `$default` (and none was named): which to probe is the caller's choice. */
  readonly stageNames?: readonly string[];
  /** Read only when asked for (the gateway emulator needs them; the gate and the audit do not). */
  readonly integrations?: readonly DeployedIntegration[];
}

/** The invoke URL of a stage: the API endpoint, plus the stage's name unless it is `$default`. Pure. */
export function stageUrl(api: Pick<DeployedApi, 'endpoint' | 'stage'>, stageName = api.stage?.name ?? '$default'): string | undefined {
  if (api.endpoint === undefined) return undefined;
  const base = api.endpoint.replace(/\/+$/, '');
  return stageName === '$default' ? base : `${base}/${encodeURIComponent(stageName)}`;
}

/** The authorizer a route names, if the API has it. */
export function authorizerOf(api: Pick<DeployedApi, 'authorizers'>, route: DeployedRoute): DeployedAuthorizer | undefined {
  return route.authorizerId === undefined ? undefined : api.authorizers.find((a) => a.id === route.authorizerId);
}

/** How reports name an authorizer: its name, else its id; `AWS_IAM` for IAM routes. */
export function authorizerLabel(api: Pick<DeployedApi, 'authorizers'>, route: DeployedRoute): string | undefined {
  if (route.authorizationType === 'AWS_IAM') return 'AWS_IAM';
  const authorizer = authorizerOf(api, route);
  return authorizer?.name ?? authorizer?.id ?? route.authorizerId;
}
