import { ApiGatewayV2Client, GetApiCommand, GetAuthorizerCommand, GetIntegrationsCommand, GetRoutesCommand, type Integration, type Route } from '@aws-sdk/client-apigatewayv2';
import type { AuthorizationType, GatewayDefinition, IntegrationDefinition, JwtAuthorizerDefinition, LambdaCode, LambdaHandler, RouteDefinition } from './definition';
import { GatewayDefinitionError } from './errors';

export interface AwsLoadOptions {
  /** Control-plane endpoint, e.g. a moto_server URL; omit for the real AWS endpoint. */
  readonly endpoint?: string;
  readonly region: string;
  readonly apiId: string;
  /** @default the SDK's credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /**
   * Lambda code cannot be fetched from the control plane, so AWS_PROXY integrations run one of
   * these: a handler, or code on disk such as the synthesized stack's own zip ({@link stackLambdas}).
   * Keyed by integration id, integration URI (the function's invoke ARN) or function name; otherwise ECHO.
   */
  readonly lambdaHandlers?: Readonly<Record<string, LambdaHandler | LambdaCode>>;
}

/**
 * Reads a deployed HTTP API (GetApi, GetRoutes, GetIntegrations, and GetAuthorizer per distinct
 * authorizer id, since moto has no GetAuthorizers) into a {@link GatewayDefinition}.
 */
export async function gatewayFromAws(options: AwsLoadOptions): Promise<GatewayDefinition> {
  const client = new ApiGatewayV2Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  try {
    const api = await client.send(new GetApiCommand({ ApiId: options.apiId }));
    if (api.ProtocolType && api.ProtocolType !== 'HTTP') throw new GatewayDefinitionError(`apiId: got "${options.apiId}" (a ${api.ProtocolType} API); expected an HTTP API`);
    const routes = await collect<Route>((NextToken) => client.send(new GetRoutesCommand({ ApiId: options.apiId, ...(NextToken ? { NextToken } : {}) })));
    const integrations = await collect<Integration>((NextToken) => client.send(new GetIntegrationsCommand({ ApiId: options.apiId, ...(NextToken ? { NextToken } : {}) })));
    const authorizerIds = [...new Set(routes.map((route) => route.AuthorizerId).filter((id): id is string => Boolean(id)))];
    const authorizers: JwtAuthorizerDefinition[] = [];
    for (const id of authorizerIds) {
      const found = await client.send(new GetAuthorizerCommand({ ApiId: options.apiId, AuthorizerId: id }));
      if (found.AuthorizerType !== 'JWT') continue;
      const issuer = found.JwtConfiguration?.Issuer;
      if (!issuer) throw new GatewayDefinitionError(`authorizer ${id}: got no JwtConfiguration.Issuer; expected the token issuer URL`);
      authorizers.push({
        id,
        ...(found.Name ? { name: found.Name } : {}),
        issuer,
        audiences: found.JwtConfiguration?.Audience ?? [],
        ...(found.IdentitySource?.length ? { identitySources: found.IdentitySource } : {}),
      });
    }
    const notes: string[] = [];
    const byId = new Map(integrations.map((integration) => [integration.IntegrationId, integration]));
    const definitions: RouteDefinition[] = routes.map((route) => {
      const target = /^integrations\/(.+)$/.exec(route.Target ?? '');
      const integration = target ? byId.get(target[1]) : undefined;
      if (!integration) notes.push(`route "${route.RouteKey}": no integration target; answering with ECHO`);
      return {
        routeKey: route.RouteKey ?? '$default',
        authorizationType: (route.AuthorizationType ?? 'NONE') as AuthorizationType,
        ...(route.AuthorizerId ? { authorizerId: route.AuthorizerId } : {}),
        ...(route.AuthorizationScopes?.length ? { authorizationScopes: route.AuthorizationScopes } : {}),
        integration: integration ? toIntegration(integration, options.lambdaHandlers ?? {}, notes) : { type: 'ECHO' },
      };
    });
    const cors = api.CorsConfiguration;
    const corsDefinition = cors
      ? {
          ...(cors.AllowOrigins ? { allowOrigins: cors.AllowOrigins } : {}),
          ...(cors.AllowMethods ? { allowMethods: cors.AllowMethods } : {}),
          ...(cors.AllowHeaders ? { allowHeaders: cors.AllowHeaders } : {}),
          ...(cors.ExposeHeaders ? { exposeHeaders: cors.ExposeHeaders } : {}),
          ...(cors.MaxAge !== undefined ? { maxAge: cors.MaxAge } : {}),
          ...(cors.AllowCredentials !== undefined ? { allowCredentials: cors.AllowCredentials } : {}),
        }
      : undefined;
    return { apiId: options.apiId, ...(api.Name ? { name: api.Name } : {}), ...(corsDefinition ? { cors: corsDefinition } : {}), authorizers, routes: definitions, ...(notes.length > 0 ? { notes } : {}) };
  } finally {
    client.destroy();
  }
}

/** The function name in a Lambda invoke ARN or function ARN (`…:function:NAME[:qualifier]…`). Pure. */
export function lambdaFunctionName(uri: string): string | undefined {
  return /:function:([A-Za-z0-9_-]+)/.exec(uri)?.[1];
}

function toIntegration(integration: Integration, handlers: Readonly<Record<string, LambdaHandler | LambdaCode>>, notes: string[]): IntegrationDefinition {
  const id = integration.IntegrationId ?? '?';
  if (integration.IntegrationType === 'HTTP_PROXY' && integration.IntegrationUri) {
    return { type: 'HTTP_PROXY', uri: integration.IntegrationUri, ...(integration.IntegrationMethod ? { method: integration.IntegrationMethod } : {}) };
  }
  if (integration.IntegrationType === 'AWS_PROXY') {
    const uri = integration.IntegrationUri;
    const functionName = uri ? lambdaFunctionName(uri) : undefined;
    const handler = handlers[id] ?? (uri ? handlers[uri] : undefined) ?? (functionName ? handlers[functionName] : undefined);
    if (handler) return { type: 'AWS_PROXY', lambda: handler, name: functionName ?? uri ?? id };
    notes.push(`integration ${id}: Lambda code cannot be fetched from the control plane; answering with ECHO`);
    return { type: 'ECHO' };
  }
  notes.push(`integration ${id}: type ${String(integration.IntegrationType)} is not emulated; answering with ECHO`);
  return { type: 'ECHO' };
}

async function collect<T>(page: (token: string | undefined) => Promise<{ Items?: T[]; NextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const answer = await page(token);
    items.push(...(answer.Items ?? []));
    token = answer.NextToken;
  } while (token);
  return items;
}
