import {
  GetApiCommand,
  GetApisCommand,
  GetAuthorizerCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetStagesCommand,
  type Api,
  type Cors,
  type GetAuthorizerCommandOutput,
  type GetAuthorizerResponse,
  type Integration,
  type Route,
  type Stage,
} from '@aws-sdk/client-apigatewayv2';
import type { CorsConfiguration } from '../../contract/cors';
import { GuardError, InvalidInputError } from '../../errors';
import { isNotFound, type ControlPlane } from './control-plane';
import type { DeployedApi, DeployedAuthorizer, DeployedIntegration, DeployedRoute, DeployedStage, RouteAuthorization, Throttling } from './types';

export interface ReadApiOptions {
  readonly apiId: string;
  /** The stage to probe and audit. @default `$default`, else the API's only stage */
  readonly stage?: string;
  /** Also read the integrations (GetIntegrations), for the gateway emulator. @default false */
  readonly integrations?: boolean;
  /** The API as GetApis listed it: saves the GetApi call in a fleet audit. */
  readonly listed?: Api;
}

/**
 * Reads one HTTP API: GetApi, GetRoutes (paged), GetAuthorizer per authorizer id the routes name (moto
 * has no GetAuthorizers), GetStage, and GetIntegrations when asked. Calls that do not depend on each
 * other run side by side; the control plane bounds how many are in flight.
 */
export async function readDeployedApi(plane: ControlPlane, options: ReadApiOptions): Promise<DeployedApi> {
  const { apiId } = options;
  const api =
    options.listed ??
    (await notFoundAs(
      plane.call('GetApi', (abortSignal) => plane.client.send(new GetApiCommand({ ApiId: apiId }), { abortSignal })),
      () => noSuchApi(plane, apiId),
    ));
  if (api.ProtocolType !== undefined && api.ProtocolType !== 'HTTP') {
    throw new InvalidInputError(plane.names.apiId, apiId, `the id of an HTTP API (this one is a ${api.ProtocolType} API)`);
  }
  const readRoutes = async (): Promise<{ routes: DeployedRoute[]; authorizers: DeployedAuthorizer[] }> => {
    const raw = await pages<Route>('GetRoutes', plane, (NextToken, abortSignal) =>
      plane.client.send(new GetRoutesCommand({ ApiId: apiId, ...(NextToken ? { NextToken } : {}) }), { abortSignal }),
    );
    const routes = raw.map(toRoute);
    const ids = [...new Set(routes.map((r) => r.authorizerId).filter((id): id is string => id !== undefined))];
    const found = await Promise.all(
      ids.map((id) =>
        plane
          .call('GetAuthorizer', (abortSignal) => plane.client.send(new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: id }), { abortSignal }))
          // A route naming an authorizer that is gone: the audit reports the route, the reader goes on.
          .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error))),
      ),
    );
    return { routes, authorizers: found.filter((a): a is GetAuthorizerCommandOutput => a !== undefined).map(toAuthorizer) };
  };
  const readIntegrations = async (): Promise<DeployedIntegration[] | undefined> => {
    if (!options.integrations) return undefined;
    const raw = await pages<Integration>('GetIntegrations', plane, (NextToken, abortSignal) =>
      plane.client.send(new GetIntegrationsCommand({ ApiId: apiId, ...(NextToken ? { NextToken } : {}) }), { abortSignal }),
    );
    return raw.map((i) => ({
      id: i.IntegrationId ?? '?',
      ...(i.IntegrationType ? { type: i.IntegrationType } : {}),
      ...(i.IntegrationUri ? { uri: i.IntegrationUri } : {}),
      ...(i.IntegrationMethod ? { method: i.IntegrationMethod } : {}),
    }));
  };
  const [{ routes, authorizers }, stages, integrations] = await Promise.all([readRoutes(), readStage(plane, apiId, options.stage), readIntegrations()]);
  const cors = toCors(api.CorsConfiguration);
  return {
    apiId,
    ...(api.Name ? { name: api.Name } : {}),
    ...(api.ProtocolType ? { protocolType: api.ProtocolType } : {}),
    ...(api.ApiEndpoint ? { endpoint: api.ApiEndpoint } : {}),
    ...(cors ? { cors } : {}),
    routes,
    authorizers,
    ...('stage' in stages ? { stage: stages.stage } : {}),
    ...('stageNames' in stages ? { stageNames: stages.stageNames } : {}),
    ...(integrations ? { integrations } : {}),
  };
}

/** Every API in the client's region (GetApis, paged). */
export async function listApis(plane: ControlPlane): Promise<Api[]> {
  return pages<Api>('GetApis', plane, (NextToken, abortSignal) =>
    plane.client.send(new GetApisCommand({ ...(NextToken ? { NextToken } : {}) }), { abortSignal }),
  );
}

/**
 * The named stage (GetStage); without a name `$default`, else the API's only stage. An API without a
 * stage serves nothing (neither is set); with several stages and no `$default`, their names come back
 * and a caller that needs a URL asks for one.
 */
async function readStage(
  plane: ControlPlane,
  apiId: string,
  name: string | undefined,
): Promise<{ stage: DeployedStage } | { stageNames: string[] } | Record<string, never>> {
  const get = (stageName: string): Promise<Stage> =>
    plane.call('GetStage', async (abortSignal) => ({
      StageName: stageName,
      ...(await plane.client.send(new GetStageCommand({ ApiId: apiId, StageName: stageName }), { abortSignal })),
    }));
  try {
    return { stage: toStage(await get(name ?? '$default')) };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const all = await pages<Stage>('GetStages', plane, (NextToken, abortSignal) =>
    plane.client.send(new GetStagesCommand({ ApiId: apiId, ...(NextToken ? { NextToken } : {}) }), { abortSignal }),
  );
  const names = all.map((s) => s.StageName).filter((s): s is string => s !== undefined);
  if (name !== undefined) {
    throw new InvalidInputError(
      plane.names.stage,
      name,
      names.length > 0 ? `a stage of API ${apiId}: ${names.join(', ')}` : `a stage of API ${apiId}, which has none (deploy one)`,
    );
  }
  if (all.length === 1) return { stage: toStage(all[0]!) };
  return all.length === 0 ? {} : { stageNames: names };
}

async function pages<T>(
  label: string,
  plane: ControlPlane,
  page: (token: string | undefined, abortSignal: AbortSignal) => Promise<{ Items?: T[]; NextToken?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const next = token;
    const answer = await plane.call(label, (abortSignal) => page(next, abortSignal));
    items.push(...(answer.Items ?? []));
    token = answer.NextToken;
  } while (token);
  return items;
}

async function notFoundAs<T>(call: Promise<T>, error: () => Promise<Error>): Promise<T> {
  try {
    return await call;
  } catch (caught) {
    if (isNotFound(caught)) throw await error();
    throw caught;
  }
}

async function noSuchApi(plane: ControlPlane, apiId: string): Promise<Error> {
  const region = await plane.region().catch(() => 'this region');
  const where = plane.names.region === 'AWS_REGION' ? 'AWS_REGION' : `${plane.names.region} or AWS_REGION`;
  return new InvalidInputError(plane.names.apiId, apiId, `the id of an HTTP API in ${region} (GetApi found none; check the region: ${where})`);
}

function toRoute(route: Route): DeployedRoute {
  return {
    routeKey: route.RouteKey ?? '$default',
    authorizationType: (route.AuthorizationType ?? 'NONE') as RouteAuthorization,
    ...(route.AuthorizerId ? { authorizerId: route.AuthorizerId } : {}),
    ...(route.AuthorizationScopes?.length ? { authorizationScopes: route.AuthorizationScopes } : {}),
    ...(route.Target ? { target: route.Target } : {}),
  };
}

function toAuthorizer(found: GetAuthorizerResponse): DeployedAuthorizer {
  if (!found.AuthorizerId) throw new GuardError('ERR_CONTROL_PLANE', 'GetAuthorizer: the answer has no AuthorizerId');
  return {
    id: found.AuthorizerId,
    ...(found.Name ? { name: found.Name } : {}),
    type: found.AuthorizerType === 'REQUEST' ? 'REQUEST' : 'JWT',
    ...(found.JwtConfiguration?.Issuer ? { issuer: found.JwtConfiguration.Issuer } : {}),
    audiences: found.JwtConfiguration?.Audience ?? [],
    ...(found.IdentitySource?.length ? { identitySources: found.IdentitySource } : {}),
  };
}

function toStage(stage: Stage): DeployedStage {
  const throttling = toThrottling(stage.DefaultRouteSettings);
  const routeThrottling = Object.fromEntries(
    Object.entries(stage.RouteSettings ?? {})
      .map(([key, settings]) => [key, toThrottling(settings)] as const)
      .filter((entry): entry is readonly [string, Throttling] => entry[1] !== undefined),
  );
  return {
    name: stage.StageName ?? '$default',
    ...(stage.AccessLogSettings?.DestinationArn ? { accessLogDestination: stage.AccessLogSettings.DestinationArn } : {}),
    ...(throttling ? { throttling } : {}),
    ...(Object.keys(routeThrottling).length > 0 ? { routeThrottling } : {}),
  };
}

function toThrottling(settings: { ThrottlingBurstLimit?: number; ThrottlingRateLimit?: number } | undefined): Throttling | undefined {
  const burst = settings?.ThrottlingBurstLimit;
  const rate = settings?.ThrottlingRateLimit;
  if (burst === undefined && rate === undefined) return undefined;
  return { ...(burst !== undefined ? { burstLimit: burst } : {}), ...(rate !== undefined ? { rateLimit: rate } : {}) };
}

function toCors(cors: Cors | undefined): CorsConfiguration | undefined {
  if (!cors) return undefined;
  return {
    ...(cors.AllowOrigins ? { allowOrigins: cors.AllowOrigins } : {}),
    ...(cors.AllowMethods ? { allowMethods: cors.AllowMethods } : {}),
    ...(cors.AllowHeaders ? { allowHeaders: cors.AllowHeaders } : {}),
    ...(cors.ExposeHeaders ? { exposeHeaders: cors.ExposeHeaders } : {}),
    ...(cors.MaxAge !== undefined ? { maxAge: cors.MaxAge } : {}),
    ...(cors.AllowCredentials !== undefined ? { allowCredentials: cors.AllowCredentials } : {}),
  };
}
