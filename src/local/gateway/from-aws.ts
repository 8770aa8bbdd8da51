import { readApiFromControlPlane, type DeployedApi, type DeployedIntegration } from '../../gate/control-plane';
import type {
  AuthorizationType,
  GatewayDefinition,
  IntegrationDefinition,
  JwtAuthorizerDefinition,
  LambdaCode,
  LambdaHandler,
  RouteDefinition,
} from './definition';
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
 * Reads a deployed HTTP API through the gate's control-plane reader (GetApi, GetRoutes, GetAuthorizer
 * per authorizer id, GetIntegrations) into a {@link GatewayDefinition}.
 */
export async function gatewayFromAws(options: AwsLoadOptions): Promise<GatewayDefinition> {
  const api = await readApiFromControlPlane({
    apiId: options.apiId,
    region: options.region,
    integrations: true,
    names: { apiId: 'apiId', region: 'region', stage: 'stage' },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return gatewayFromDeployedApi(api, options.lambdaHandlers ?? {});
}

/** What the emulator serves of an API read from the control plane (read it with its integrations). Pure. */
export function gatewayFromDeployedApi(api: DeployedApi, lambdaHandlers: Readonly<Record<string, LambdaHandler | LambdaCode>> = {}): GatewayDefinition {
  const authorizers: JwtAuthorizerDefinition[] = [];
  for (const found of api.authorizers) {
    if (found.type === 'REQUEST') continue;
    if (!found.issuer) throw new GatewayDefinitionError(`authorizer ${found.id}: got no JwtConfiguration.Issuer; expected the token issuer URL`);
    authorizers.push({
      id: found.id,
      ...(found.name ? { name: found.name } : {}),
      issuer: found.issuer,
      audiences: found.audiences,
      ...(found.identitySources?.length ? { identitySources: found.identitySources } : {}),
    });
  }
  const notes: string[] = [];
  const byId = new Map((api.integrations ?? []).map((integration) => [integration.id, integration]));
  const definitions: RouteDefinition[] = api.routes.map((route) => {
    const target = /^integrations\/(.+)$/.exec(route.target ?? '');
    const integration = target ? byId.get(target[1]!) : undefined;
    if (!integration) notes.push(`route "${route.routeKey}": no integration target; answering with ECHO`);
    return {
      routeKey: route.routeKey,
      authorizationType: (route.authorizationType ?? 'NONE') as AuthorizationType,
      ...(route.authorizerId ? { authorizerId: route.authorizerId } : {}),
      ...(route.authorizationScopes?.length ? { authorizationScopes: route.authorizationScopes } : {}),
      integration: integration ? toIntegration(integration, lambdaHandlers, notes) : { type: 'ECHO' },
    };
  });
  return {
    apiId: api.apiId,
    ...(api.name ? { name: api.name } : {}),
    ...(api.cors ? { cors: api.cors } : {}),
    authorizers,
    routes: definitions,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** The function name in a Lambda invoke ARN or function ARN (`…:function:NAME[:qualifier]…`). Pure. */
export function lambdaFunctionName(uri: string): string | undefined {
  return /:function:([A-Za-z0-9_-]+)/.exec(uri)?.[1];
}

function toIntegration(
  integration: DeployedIntegration,
  handlers: Readonly<Record<string, LambdaHandler | LambdaCode>>,
  notes: string[],
): IntegrationDefinition {
  const id = integration.id;
  if (integration.type === 'HTTP_PROXY' && integration.uri) {
    return { type: 'HTTP_PROXY', uri: integration.uri, ...(integration.method ? { method: integration.method } : {}) };
  }
  if (integration.type === 'AWS_PROXY') {
    const uri = integration.uri;
    const functionName = uri ? lambdaFunctionName(uri) : undefined;
    const handler = handlers[id] ?? (uri ? handlers[uri] : undefined) ?? (functionName ? handlers[functionName] : undefined);
    if (handler) return { type: 'AWS_PROXY', lambda: handler, name: functionName ?? uri ?? id };
    notes.push(`integration ${id}: Lambda code cannot be fetched from the control plane; answering with ECHO`);
    return { type: 'ECHO' };
  }
  notes.push(`integration ${id}: type ${String(integration.type)} is not emulated; answering with ECHO`);
  return { type: 'ECHO' };
}
