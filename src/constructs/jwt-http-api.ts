import { join } from 'node:path';
import { Annotations, App, TerraformAsset, AssetType } from 'cdktf';
import { Construct } from 'constructs';
import { Apigatewayv2Api, type Apigatewayv2ApiCorsConfiguration } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Authorizer } from '@cdktf/provider-aws/lib/apigatewayv2-authorizer';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import {
  API_NAME_FORM,
  API_NAME_PATTERN,
  checkJwtTrust,
  checkRoutes,
  checkUrlInput,
  isUnresolved,
  type CorsConfiguration,
  type JwtTrust,
  type RouteSpec,
} from '../contract';
import { InvalidInputError } from '../errors';
import { packageLambda } from './lambda-package';

/** Anything that can say what its tokens look like, e.g. an {@link EntraApiApplication}. */
export interface JwtTrustSource {
  readonly trust: JwtTrust;
}

/** Where requests go once the authorizer lets them through. */
export type IntegrationSpec =
  /** A Node.js Lambda packaged from a folder (zipped deterministically, deployed as a FILE asset). */
  | { readonly lambdaDir: string; readonly handler?: string; readonly runtime?: string }
  /** Forward to an HTTP endpoint (HTTP_PROXY). */
  | { readonly httpUrl: string };

export interface StageSettings {
  /** @default 50 */
  readonly throttlingBurstLimit?: number;
  /** Requests per second. @default 100 */
  readonly throttlingRateLimit?: number;
  /** Days the access logs are kept. @default 14 */
  readonly logRetentionDays?: number;
}

export interface JwtHttpApiProps {
  /** Name of the HTTP API (also prefixes the Lambda, role and log group). */
  readonly name: string;
  /** Who issues the tokens: an `EntraApiApplication`, or a plain issuer and audiences for any OIDC issuer. */
  readonly trust: JwtTrustSource | JwtTrust;
  /** Routes; every route requires a valid token unless marked `public: true` (default-deny). */
  readonly routes: readonly RouteSpec[];
  readonly integration: IntegrationSpec;
  /** @default - see {@link StageSettings} */
  readonly stage?: StageSettings;
  /** Authorizer name. @default 'entra-jwt' */
  readonly authorizerName?: string;
  /** Where the token is read from. @default ['$request.header.Authorization'] */
  readonly identitySources?: readonly string[];
  /**
   * Who calls: app-only callers (pipelines, daemons) carry `roles`, never `scp`, so routes with scopes
   * answer them 403. Used only for a synth-time warning. @default 'app-only'
   */
  readonly callers?: 'app-only' | 'delegated' | 'mixed';
  /** Where the Lambda zip is written before it becomes an asset. @default - `.build` in the app's outdir */
  readonly buildDir?: string;
  /**
   * CORS for browser callers. API Gateway then answers preflight OPTIONS itself, before the
   * authorizer, and ignores CORS headers from the integration. @default - none
   */
  readonly cors?: CorsConfiguration;
}

/** Fields of the JSON access log; `$context.requestId` is required by API Gateway. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integration.latency',
  authorizerError: '$context.authorizer.error',
  principal: '$context.authorizer.claims.sub',
});

/**
 * An API Gateway HTTP API that answers only callers with a valid token: JWT authorizer, default-deny
 * routes, one integration, and a `$default` stage with JSON access logs and throttling.
 */
export class JwtHttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly authorizer: Apigatewayv2Authorizer;
  readonly stage: Apigatewayv2Stage;
  readonly routes: readonly Apigatewayv2Route[];
  /** The stage's invoke URL. */
  readonly url: string;
  readonly apiId: string;

  constructor(scope: Construct, id: string, props: JwtHttpApiProps) {
    super(scope, id);
    if (!API_NAME_PATTERN.test(props.name)) throw new InvalidInputError(`${id}.name`, props.name, API_NAME_FORM);
    const trust = checkJwtTrust('trust' in props.trust ? props.trust.trust : props.trust, `${id}.trust`);
    const routes = checkRoutes(props.routes, `${id}.routes`);
    const callers = props.callers ?? 'app-only';
    const scoped = routes.filter((route) => (route.scopes ?? []).length > 0);
    if (callers === 'app-only' && scoped.length > 0) {
      Annotations.of(this).addWarning(
        `routes ${scoped.map((r) => `"${r.routeKey}"`).join(', ')} require scopes, but app-only callers (pipelines) carry roles, never scp: they will get 403. Remove the scopes or set callers: 'delegated'.`,
      );
    }

    this.api = new Apigatewayv2Api(this, 'api', {
      name: props.name,
      protocolType: 'HTTP',
      ...(props.cors ? { corsConfiguration: corsConfiguration(id, props.cors) } : {}),
    });
    this.apiId = this.api.id;
    this.authorizer = new Apigatewayv2Authorizer(this, 'authorizer', {
      apiId: this.api.id,
      name: props.authorizerName ?? 'entra-jwt',
      authorizerType: 'JWT',
      identitySources: [...(props.identitySources ?? ['$request.header.Authorization'])],
      jwtConfiguration: { issuer: trust.issuer, audience: [...trust.audiences] },
    });

    const integration = this.createIntegration(props);
    this.routes = routes.map(
      (route, index) =>
        new Apigatewayv2Route(this, `route-${index}`, {
          apiId: this.api.id,
          routeKey: route.routeKey,
          target: `integrations/${integration.id}`,
          ...(route.public
            ? { authorizationType: 'NONE' }
            : {
                authorizationType: 'JWT',
                authorizerId: this.authorizer.id,
                ...(route.scopes?.length ? { authorizationScopes: [...route.scopes] } : {}),
              }),
        }),
    );

    const stage = props.stage ?? {};
    const logGroup = new CloudwatchLogGroup(this, 'access-logs', {
      name: `/aws/apigateway/${props.name}`,
      retentionInDays: stage.logRetentionDays ?? 14,
    });
    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: '$default',
      autoDeploy: true,
      accessLogSettings: { destinationArn: logGroup.arn, format: ACCESS_LOG_FORMAT },
      defaultRouteSettings: {
        throttlingBurstLimit: stage.throttlingBurstLimit ?? 50,
        throttlingRateLimit: stage.throttlingRateLimit ?? 100,
      },
    });
    this.url = this.stage.invokeUrl;
  }

  private createIntegration(props: JwtHttpApiProps): Apigatewayv2Integration {
    if ('httpUrl' in props.integration) {
      if (!isUnresolved(props.integration.httpUrl))
        checkUrlInput('integration.httpUrl', props.integration.httpUrl, 'https://backend.example.com', { bare: false });
      return new Apigatewayv2Integration(this, 'integration', {
        apiId: this.api.id,
        integrationType: 'HTTP_PROXY',
        integrationMethod: 'ANY',
        integrationUri: props.integration.httpUrl,
        payloadFormatVersion: '1.0',
      });
    }
    const packaged = packageLambda(props.integration.lambdaDir, props.buildDir ?? join(App.of(this).outdir, '.build'));
    // FILE, never ARCHIVE: an ARCHIVE asset re-runs this file to zip, which inside a bundle loops forever.
    const asset = new TerraformAsset(this, 'lambda-code', { path: packaged.zipPath, type: AssetType.FILE });
    const role = new IamRole(this, 'lambda-role', {
      name: `${props.name}-lambda`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    // Least privilege: write to its own log group only (no account-wide managed policy).
    new IamRolePolicy(this, 'lambda-logs', {
      role: role.id,
      name: 'write-own-logs',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `arn:aws:logs:*:*:log-group:/aws/lambda/${props.name}:*`,
          },
        ],
      }),
    });
    const fn = new LambdaFunction(this, 'lambda', {
      functionName: props.name,
      filename: asset.path,
      sourceCodeHash: packaged.sourceCodeHash,
      handler: props.integration.handler ?? 'index.handler',
      runtime: props.integration.runtime ?? 'nodejs22.x',
      role: role.arn,
      timeout: 10,
    });
    new LambdaPermission(this, 'lambda-invoke', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/*/*`,
    });
    return new Apigatewayv2Integration(this, 'integration', {
      apiId: this.api.id,
      integrationType: 'AWS_PROXY',
      integrationUri: fn.invokeArn,
      payloadFormatVersion: '2.0',
    });
  }
}

function corsConfiguration(id: string, cors: CorsConfiguration): Apigatewayv2ApiCorsConfiguration {
  if (!cors.allowOrigins?.length)
    throw new InvalidInputError(`${id}.cors.allowOrigins`, cors.allowOrigins, 'at least one origin, e.g. https://app.example.com');
  // Browsers refuse credentials with a wildcard origin, and API Gateway refuses the configuration.
  if (cors.allowCredentials && cors.allowOrigins.includes('*')) {
    throw new InvalidInputError(`${id}.cors.allowOrigins`, [...cors.allowOrigins], 'explicit origins when allowCredentials is true (not *)');
  }
  return {
    allowOrigins: [...cors.allowOrigins],
    ...(cors.allowMethods ? { allowMethods: [...cors.allowMethods] } : {}),
    ...(cors.allowHeaders ? { allowHeaders: [...cors.allowHeaders] } : {}),
    ...(cors.exposeHeaders ? { exposeHeaders: [...cors.exposeHeaders] } : {}),
    ...(cors.maxAge !== undefined ? { maxAge: cors.maxAge } : {}),
    ...(cors.allowCredentials !== undefined ? { allowCredentials: cors.allowCredentials } : {}),
  };
}
