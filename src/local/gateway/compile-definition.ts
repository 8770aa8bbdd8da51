import { checkUrl, withoutCredentials } from '../../contract/urls';
import {
  DEFAULT_IDENTITY_SOURCE,
  type GatewayDefinition,
  type IntegrationDefinition,
  type JwtAuthorizerDefinition,
  type LambdaHandler,
  type RouteDefinition,
} from './definition';
import { GatewayDefinitionError } from './errors';
import type { LambdaLoader } from './lambda-loader';
import { parseRouteForMatching, type RankedRouteKey } from '../../contract/route-match';

export type IdentitySource = { readonly from: 'header' | 'querystring'; readonly name: string };

export interface CompiledAuthorizer {
  readonly definition: JwtAuthorizerDefinition;
  readonly identitySource: IdentitySource;
}

export type CompiledIntegration =
  | { readonly type: 'HTTP_PROXY'; readonly uri: string; readonly method?: string }
  | { readonly type: 'AWS_PROXY'; readonly handler: LambdaHandler; readonly name: string }
  | { readonly type: 'ECHO' };

export interface CompiledRoute {
  readonly parsed: RankedRouteKey;
  readonly definition: RouteDefinition;
  readonly authorizer?: CompiledAuthorizer;
  readonly integration: CompiledIntegration;
}

/** Quotas that a definition must respect [AWS-Q]. */
const MAX_AUTHORIZERS = 10;
const MAX_AUDIENCES = 50;
const MAX_SCOPES = 10;

/**
 * Checks a definition and prepares it for serving: parses route keys, links authorizers and loads
 * Lambda code, so a broken definition fails at start, not on the first request.
 */
export function compileDefinition(definition: GatewayDefinition, loader: LambdaLoader): CompiledRoute[] {
  if (!definition || !Array.isArray(definition.routes) || !Array.isArray(definition.authorizers))
    throw new TypeError('definition: expected { authorizers: [...], routes: [...] }');
  if (definition.authorizers.length > MAX_AUTHORIZERS)
    throw new GatewayDefinitionError(`authorizers: got ${definition.authorizers.length}; expected at most ${MAX_AUTHORIZERS} per API`);
  const authorizers = new Map<string, CompiledAuthorizer>();
  for (const authorizer of definition.authorizers) authorizers.set(authorizer.id, compileAuthorizer(authorizer));
  const seen = new Set<string>();
  return definition.routes.map((route) => {
    const parsed = parseRouteForMatching(route.routeKey);
    if (seen.has(route.routeKey)) throw new GatewayDefinitionError(`routes: route key "${route.routeKey}" appears twice; expected each route key once`);
    seen.add(route.routeKey);
    const type = route.authorizationType ?? 'NONE';
    if (!['NONE', 'JWT', 'AWS_IAM', 'CUSTOM'].includes(type))
      throw new GatewayDefinitionError(`route "${route.routeKey}" authorizationType: got "${type}"; expected NONE, JWT, AWS_IAM or CUSTOM`);
    if ((route.authorizationScopes?.length ?? 0) > MAX_SCOPES)
      throw new GatewayDefinitionError(
        `route "${route.routeKey}" authorizationScopes: got ${route.authorizationScopes?.length}; expected at most ${MAX_SCOPES}`,
      );
    let authorizer: CompiledAuthorizer | undefined;
    if (type === 'JWT') {
      authorizer = route.authorizerId === undefined ? undefined : authorizers.get(route.authorizerId);
      if (!authorizer)
        throw new GatewayDefinitionError(
          `route "${route.routeKey}" authorizerId: got ${JSON.stringify(route.authorizerId)}; expected one of ${JSON.stringify([...authorizers.keys()])}`,
        );
    }
    return {
      parsed,
      definition: route,
      ...(authorizer ? { authorizer } : {}),
      integration: compileIntegration(route.integration ?? { type: 'ECHO' }, route.routeKey, loader),
    };
  });
}

function compileAuthorizer(authorizer: JwtAuthorizerDefinition): CompiledAuthorizer {
  const label = `authorizer "${authorizer.id}"`;
  checkDefinitionUrl(authorizer.issuer, `${label} issuer`, 'https://login.microsoftonline.com/<tenant id>/v2.0');
  if (!Array.isArray(authorizer.audiences) || authorizer.audiences.length === 0 || authorizer.audiences.length > MAX_AUDIENCES) {
    throw new GatewayDefinitionError(`${label} audiences: got ${JSON.stringify(authorizer.audiences)}; expected 1 to ${MAX_AUDIENCES} strings`);
  }
  const sources = authorizer.identitySources ?? [DEFAULT_IDENTITY_SOURCE];
  const match = sources.length === 1 ? /^\$request\.(header|querystring)\.([^\s.]+)$/.exec(sources[0] as string) : null;
  if (!match)
    throw new GatewayDefinitionError(
      `${label} identitySources: got ${JSON.stringify(sources)}; expected one "$request.header.NAME" or "$request.querystring.NAME"`,
    );
  const from = match[1] as 'header' | 'querystring';
  return { definition: authorizer, identitySource: { from, name: from === 'header' ? (match[2] as string).toLowerCase() : (match[2] as string) } };
}

function compileIntegration(integration: IntegrationDefinition, routeKey: string, loader: LambdaLoader): CompiledIntegration {
  switch (integration.type) {
    case 'ECHO':
      return integration;
    case 'HTTP_PROXY':
      checkDefinitionUrl(integration.uri, `route "${routeKey}" HTTP_PROXY uri`, 'https://backend.example.com/{proxy}');
      return integration;
    case 'AWS_PROXY': {
      const handler = typeof integration.lambda === 'function' ? integration.lambda : loader.load(integration.lambda);
      return {
        type: 'AWS_PROXY',
        handler,
        name: integration.name ?? (typeof integration.lambda === 'function' ? integration.lambda.name || 'handler' : integration.lambda.handler),
      };
    }
    default:
      throw new GatewayDefinitionError(
        `route "${routeKey}" integration type: got ${JSON.stringify((integration as { type?: unknown }).type)}; expected HTTP_PROXY, AWS_PROXY or ECHO`,
      );
  }
}

/** The contract's URL check (query allowed: proxy URIs may carry one), as a definition error. */
function checkDefinitionUrl(value: unknown, label: string, example: string): void {
  const checked = typeof value === 'string' ? checkUrl(value, example, { bare: false }) : { expected: `an absolute https:// URL such as ${example}` };
  if ('expected' in checked)
    throw new GatewayDefinitionError(
      `${label}: got ${JSON.stringify(typeof value === 'string' ? withoutCredentials(value) : value)}; expected ${checked.expected}`,
    );
}
