import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  type Cors,
} from '@aws-sdk/client-apigatewayv2';
import { readApiFromControlPlane, type DeployedApi } from '../../../src/gate/control-plane';
import { gatewayFromDeployedApi, startGateway, type GatewayEmulator } from '../../../src/local/gateway';
import { listen, readBody, sendJson, type RunningServer } from '../../../src/local/server';
import type { TokenSourceConfig } from '../../../src/token';
import type { TestIssuer } from './issuer';

export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const REGION = 'eu-west-1';

export interface ApiSpec {
  readonly name: string;
  /** Authorizers by key; routes name them by key. */
  readonly authorizers?: Readonly<Record<string, { readonly issuer: string; readonly audiences: readonly string[]; readonly type?: 'JWT' | 'REQUEST' }>>;
  /** `auth`: an authorizer key, NONE (the default) or AWS_IAM; `proxy`: an HTTP_PROXY integration's URL. */
  readonly routes: readonly { readonly routeKey: string; readonly auth?: string; readonly scopes?: readonly string[]; readonly proxy?: string }[];
  /** The API's CORS configuration (API Gateway then answers preflights itself). */
  readonly cors?: Cors;
  /** @default a $default stage with access logs and throttling (burst 50, rate 100); false: none */
  readonly stage?: false | { readonly name?: string; readonly accessLogs?: boolean; readonly burstLimit?: number; readonly rateLimit?: number };
}

/** Creates an HTTP API in moto through the real SDK, as a console user or terraform would. Returns its id. */
export async function createApi(endpoint: string, spec: ApiSpec): Promise<string> {
  const client = new ApiGatewayV2Client({ region: REGION, endpoint, credentials: CREDENTIALS });
  try {
    const api = await client.send(new CreateApiCommand({ Name: spec.name, ProtocolType: 'HTTP', ...(spec.cors ? { CorsConfiguration: spec.cors } : {}) }));
    const apiId = api.ApiId!;
    const ids: Record<string, string> = {};
    for (const [key, authorizer] of Object.entries(spec.authorizers ?? {})) {
      const created =
        authorizer.type === 'REQUEST'
          ? await client.send(
              new CreateAuthorizerCommand({
                ApiId: apiId,
                Name: key,
                AuthorizerType: 'REQUEST',
                AuthorizerUri: 'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:auth/invocations',
                IdentitySource: ['$request.header.Authorization'],
                AuthorizerPayloadFormatVersion: '2.0',
              }),
            )
          : await client.send(
              new CreateAuthorizerCommand({
                ApiId: apiId,
                Name: key,
                AuthorizerType: 'JWT',
                IdentitySource: ['$request.header.Authorization'],
                JwtConfiguration: { Issuer: authorizer.issuer, Audience: [...authorizer.audiences] },
              }),
            );
      ids[key] = created.AuthorizerId!;
    }
    for (const route of spec.routes) {
      const auth = route.auth ?? 'NONE';
      const type = auth === 'NONE' || auth === 'AWS_IAM' ? auth : spec.authorizers?.[auth]?.type === 'REQUEST' ? 'CUSTOM' : 'JWT';
      const integration = route.proxy
        ? await client.send(
            new CreateIntegrationCommand({
              ApiId: apiId,
              IntegrationType: 'HTTP_PROXY',
              IntegrationUri: route.proxy,
              IntegrationMethod: 'ANY',
              PayloadFormatVersion: '1.0',
            }),
          )
        : undefined;
      await client.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: route.routeKey,
          AuthorizationType: type,
          ...(type === 'JWT' || type === 'CUSTOM' ? { AuthorizerId: ids[auth] } : {}),
          ...(route.scopes ? { AuthorizationScopes: [...route.scopes] } : {}),
          ...(integration ? { Target: `integrations/${integration.IntegrationId}` } : {}),
        }),
      );
    }
    if (spec.stage !== false) {
      const stage = spec.stage ?? {};
      await client.send(
        new CreateStageCommand({
          ApiId: apiId,
          StageName: stage.name ?? '$default',
          AutoDeploy: true,
          ...(stage.accessLogs === false
            ? {}
            : {
                AccessLogSettings: {
                  DestinationArn: `arn:aws:logs:${REGION}:123456789012:log-group:/aws/apigateway/${spec.name}`,
                  Format: '{"requestId":"$context.requestId"}',
                },
              }),
          ...(stage.burstLimit === 0
            ? {}
            : { DefaultRouteSettings: { ThrottlingBurstLimit: stage.burstLimit ?? 50, ThrottlingRateLimit: stage.rateLimit ?? 100 } }),
        }),
      );
    }
    return apiId;
  } finally {
    client.destroy();
  }
}

/**
 * Creates the API in moto, reads it back with the control-plane reader (integrations included) and
 * serves it on the gateway emulator: the data plane of what the control plane holds. The caller closes
 * the gateway.
 */
export async function serveFromMoto(motoUrl: string, spec: ApiSpec): Promise<{ readonly deployed: DeployedApi; readonly gateway: GatewayEmulator }> {
  const apiId = await createApi(motoUrl, spec);
  const deployed = await readApiFromControlPlane({ apiId, region: REGION, endpoint: motoUrl, credentials: CREDENTIALS, integrations: true });
  return { deployed, gateway: await startGateway({ definition: gatewayFromDeployedApi(deployed) }) };
}

/** The gate's token source for a startScopedTokenEndpoint: client credentials for `scope`. */
export function clientSecretSource(tokenEndpoint: string, scope: string): TokenSourceConfig {
  return { kind: 'client-secret', tokenEndpoint, clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', scope, clientSecret: 'not-a-real-secret-value' };
}

/**
 * A client-credentials token endpoint on loopback that signs with the test issuer, the audience
 * chosen by the requested scope: `<aud>/.default` → aud `<aud>` (e.g. Microsoft Graph's app id).
 */
export async function startScopedTokenEndpoint(
  issuer: TestIssuer,
  audiences: Readonly<Record<string, string>>,
): Promise<RunningServer & { tokenEndpoint: string }> {
  const server = await listen(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    const scope = form.get('scope') ?? '';
    const aud = audiences[scope] ?? scope.replace(/\/\.default$/, '');
    sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: await issuer.sign({ aud }) });
  });
  return { ...server, close: () => server.close(), tokenEndpoint: `${server.url}/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token` };
}

/** One list call the paging front saw: its path and the nextToken it was asked for. */
export interface PagedCall {
  readonly path: string;
  readonly nextToken: string | undefined;
}

/**
 * A loopback front for moto_server that pages what moto answers whole: GetApis, GetRoutes and GetStages
 * come back `pageSize` items at a time with a `nextToken`, as AWS pages them (moto never does). Every
 * other call passes through unchanged. `calls` lists the list calls, in order.
 */
export async function startPagingFront(motoUrl: string, pageSize: number): Promise<RunningServer & { calls: PagedCall[] }> {
  const calls: PagedCall[] = [];
  const listing = /^\/v2\/apis(?:\/[^/]+\/(?:routes|stages))?$/;
  const server = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const paged = req.method === 'GET' && listing.test(url.pathname);
    const nextToken = url.searchParams.get('nextToken') ?? undefined;
    url.searchParams.delete('nextToken');
    url.searchParams.delete('maxResults');
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host' && entry[0] !== 'content-length',
      ),
    );
    const answer = await fetch(`${motoUrl}${url.pathname}${url.search}`, { method: req.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
    const text = await answer.text();
    if (!paged || !answer.ok) {
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
      return;
    }
    calls.push({ path: url.pathname, nextToken });
    const items = (JSON.parse(text) as { items?: unknown[] }).items ?? [];
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const more = start + pageSize < items.length;
    sendJson(res, 200, { items: items.slice(start, start + pageSize), ...(more ? { nextToken: String(start + pageSize) } : {}) });
  });
  return Object.assign(server, { calls });
}
