import { resolve as resolvePath } from 'node:path';
import type {
  AuthorizationType,
  CorsConfiguration,
  GatewayDefinition,
  IntegrationDefinition,
  JwtAuthorizerDefinition,
  LambdaCode,
  LambdaHandler,
  RouteDefinition,
} from './definition';
import { GatewayDefinitionError } from './errors';
import { referencedName, singleBlock, TerraformResolver, type TerraformJson } from '../tf-resolver';

export interface StackLoadOptions {
  /** Values for the stack's `variable` blocks; missing ones fall back to their `default`. */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Folder holding cdk.tf.json; Lambda `filename`s (cdktf asset paths) are relative to it. @default '.' */
  readonly stackDir?: string;
  /** Handlers used instead of a Lambda's code, keyed by its logical name or `function_name`. */
  readonly lambdaHandlers?: Readonly<Record<string, LambdaHandler>>;
  /** Logical name of the aws_apigatewayv2_api to load when the stack declares several. */
  readonly api?: string;
}

type Blocks = Record<string, Record<string, unknown>>;

/**
 * Reads a synthesized cdktf gateway stack (JSON Terraform) into a {@link GatewayDefinition}:
 * the HTTP API's JWT authorizers, routes and integrations. AWS_PROXY integrations that point at an
 * `aws_lambda_function` with a local `filename` run that zip; Lambdas without local code become ECHO
 * (listed in `notes`). References that cannot be known before apply fail with one clear line.
 */
export function gatewayFromStack(stack: unknown, options: StackLoadOptions = {}): GatewayDefinition {
  if (!stack || typeof stack !== 'object') throw new TypeError('gatewayFromStack: expected the parsed cdk.tf.json object');
  const config = stack as TerraformJson;
  const stackDir = resolvePath(options.stackDir ?? '.');
  const resolver = new TerraformResolver(config, { variables: options.variables ?? {}, stackDir });
  const resources = config.resource ?? {};
  const of = (type: string): Blocks => (resources[type] ?? {}) as Blocks;
  const text = (value: unknown, where: string, attribute: string): string | undefined => {
    if (value === undefined || value === null) return undefined;
    const resolved = resolver.resolve(value, { resource: where, attribute });
    return typeof resolved === 'string' ? resolved : String(resolved);
  };
  const strings = (value: unknown, where: string, attribute: string): string[] | undefined => {
    if (value === undefined || value === null) return undefined;
    const resolved = resolver.resolve(value, { resource: where, attribute });
    if (!Array.isArray(resolved)) throw new GatewayDefinitionError(`${where}.${attribute}: got ${JSON.stringify(resolved)}; expected a list of strings`);
    return resolved.map(String);
  };

  const apis = Object.keys(of('aws_apigatewayv2_api'));
  if (apis.length === 0) throw new GatewayDefinitionError('stack: got no aws_apigatewayv2_api resource; expected a synthesized gateway stack (cdk.tf.json)');
  if (options.api !== undefined && !apis.includes(options.api))
    throw new GatewayDefinitionError(`api: got "${options.api}"; expected one of ${JSON.stringify(apis)}`);
  if (options.api === undefined && apis.length > 1)
    throw new GatewayDefinitionError(`api: got nothing; expected one of ${JSON.stringify(apis)} (the stack declares several HTTP APIs)`);
  const apiName = options.api ?? (apis[0] as string);
  const api = of('aws_apigatewayv2_api')[apiName] as Record<string, unknown>;
  const onApi = (block: Record<string, unknown>) => {
    const target = referencedName(block.api_id, 'aws_apigatewayv2_api', ['id']);
    return target === undefined || target === apiName;
  };
  const notes: string[] = [];

  const authorizers: JwtAuthorizerDefinition[] = [];
  for (const [name, block] of Object.entries(of('aws_apigatewayv2_authorizer'))) {
    const where = `aws_apigatewayv2_authorizer.${name}`;
    if (!onApi(block) || text(block.authorizer_type, where, 'authorizer_type') !== 'JWT') continue;
    const jwt = singleBlock(block.jwt_configuration);
    if (!jwt) throw new GatewayDefinitionError(`${where}.jwt_configuration: got nothing; expected { issuer, audience } for a JWT authorizer`);
    const issuer = text(jwt.issuer, where, 'jwt_configuration.issuer');
    if (!issuer) throw new GatewayDefinitionError(`${where}.jwt_configuration.issuer: got nothing; expected the token issuer URL`);
    authorizers.push({
      id: name,
      ...(block.name !== undefined ? { name: text(block.name, where, 'name') as string } : {}),
      issuer,
      audiences: strings(jwt.audience, where, 'jwt_configuration.audience') ?? [],
      ...(block.identity_sources !== undefined ? { identitySources: strings(block.identity_sources, where, 'identity_sources') as string[] } : {}),
    });
  }

  const integrationFor = (name: string): IntegrationDefinition => {
    const block = of('aws_apigatewayv2_integration')[name];
    const where = `aws_apigatewayv2_integration.${name}`;
    if (!block) throw new GatewayDefinitionError(`${where}: got a route target naming it; expected the integration in the stack`);
    const type = text(block.integration_type, where, 'integration_type');
    if (type === 'HTTP_PROXY') {
      const uri = text(block.integration_uri, where, 'integration_uri');
      if (!uri) throw new GatewayDefinitionError(`${where}.integration_uri: got nothing; expected the URL to forward to`);
      const method = text(block.integration_method, where, 'integration_method');
      return { type: 'HTTP_PROXY', uri, ...(method ? { method } : {}) };
    }
    if (type !== 'AWS_PROXY') throw new GatewayDefinitionError(`${where}.integration_type: got ${JSON.stringify(type)}; expected AWS_PROXY or HTTP_PROXY`);
    const fnName = referencedName(block.integration_uri, 'aws_lambda_function', ['invoke_arn', 'arn', 'qualified_invoke_arn']);
    const fn = fnName === undefined ? undefined : of('aws_lambda_function')[fnName];
    if (!fnName || !fn) {
      notes.push(`${where}: integration_uri does not reference an aws_lambda_function in the stack; answering with ECHO`);
      return { type: 'ECHO' };
    }
    const fnWhere = `aws_lambda_function.${fnName}`;
    const functionName = text(fn.function_name, fnWhere, 'function_name');
    const injected = options.lambdaHandlers?.[fnName] ?? (functionName ? options.lambdaHandlers?.[functionName] : undefined);
    if (injected) return { type: 'AWS_PROXY', lambda: injected, name: functionName ?? fnName };
    const filename = text(fn.filename, fnWhere, 'filename');
    if (!filename) {
      notes.push(`${fnWhere}: no local filename (S3 or image code cannot run offline); answering with ECHO`);
      return { type: 'ECHO' };
    }
    const handler = text(fn.handler, fnWhere, 'handler') ?? 'index.handler';
    return { type: 'AWS_PROXY', lambda: { zipPath: resolvePath(stackDir, filename), handler }, name: functionName ?? fnName };
  };

  const routes: RouteDefinition[] = [];
  for (const [name, block] of Object.entries(of('aws_apigatewayv2_route'))) {
    if (!onApi(block)) continue;
    const where = `aws_apigatewayv2_route.${name}`;
    const routeKey = text(block.route_key, where, 'route_key');
    if (!routeKey) throw new GatewayDefinitionError(`${where}.route_key: got nothing; expected e.g. "GET /hello"`);
    const authorizationType = (text(block.authorization_type, where, 'authorization_type') ?? 'NONE') as AuthorizationType;
    let authorizerId: string | undefined;
    if (block.authorizer_id !== undefined) {
      authorizerId = referencedName(block.authorizer_id, 'aws_apigatewayv2_authorizer', ['id']) ?? text(block.authorizer_id, where, 'authorizer_id');
    }
    const scopes = strings(block.authorization_scopes, where, 'authorization_scopes');
    let integration: IntegrationDefinition;
    if (block.target === undefined) {
      notes.push(`${where}: no target; answering with ECHO`);
      integration = { type: 'ECHO' };
    } else {
      const targetText = String(block.target);
      const match = /^integrations\/\$\{aws_apigatewayv2_integration\.([\w-]+)\.id\}$/.exec(targetText);
      if (!match)
        throw new GatewayDefinitionError(
          `${where}.target: got ${JSON.stringify(targetText)}; expected "integrations/\${aws_apigatewayv2_integration.NAME.id}"`,
        );
      integration = integrationFor(match[1] as string);
    }
    routes.push({
      routeKey,
      authorizationType,
      ...(authorizerId !== undefined ? { authorizerId } : {}),
      ...(scopes && scopes.length > 0 ? { authorizationScopes: scopes } : {}),
      integration,
    });
  }

  const displayName = api.name === undefined ? undefined : text(api.name, `aws_apigatewayv2_api.${apiName}`, 'name');
  const cors = corsFromStack(singleBlock(api.cors_configuration), `aws_apigatewayv2_api.${apiName}`, text, strings);
  return {
    apiId: apiName,
    ...(displayName ? { name: displayName } : {}),
    ...(cors ? { cors } : {}),
    authorizers,
    routes,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** The API's `cors_configuration { allow_origins, allow_methods, allow_headers, expose_headers, max_age, allow_credentials }`. */
function corsFromStack(
  block: Record<string, unknown> | undefined,
  where: string,
  text: (value: unknown, where: string, attribute: string) => string | undefined,
  strings: (value: unknown, where: string, attribute: string) => string[] | undefined,
): CorsConfiguration | undefined {
  if (!block) return undefined;
  const list = (key: string) => strings(block[key], where, `cors_configuration.${key}`);
  const maxAge = text(block.max_age, where, 'cors_configuration.max_age');
  const credentials = text(block.allow_credentials, where, 'cors_configuration.allow_credentials');
  const entries: [keyof CorsConfiguration, unknown][] = [
    ['allowOrigins', list('allow_origins')],
    ['allowMethods', list('allow_methods')],
    ['allowHeaders', list('allow_headers')],
    ['exposeHeaders', list('expose_headers')],
    ['maxAge', maxAge === undefined ? undefined : Number(maxAge)],
    ['allowCredentials', credentials === undefined ? undefined : credentials === 'true'],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as CorsConfiguration;
}

/**
 * The Lambda code behind a definition's AWS_PROXY integrations, keyed by function name: what an API
 * read back from the control plane (which holds no code) runs — the stack's own handlers. Pure.
 */
export function stackLambdas(definition: GatewayDefinition): Record<string, LambdaHandler | LambdaCode> {
  const found: Record<string, LambdaHandler | LambdaCode> = {};
  for (const { integration } of definition.routes) {
    if (integration?.type === 'AWS_PROXY' && integration.name !== undefined) found[integration.name] = integration.lambda;
  }
  return found;
}
