import { join, resolve } from 'node:path';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { JwtHttpApi } from '../src/constructs';
import { resolveCloud, tokenContract } from '../src/contract';
import { configureBackend } from './backend';
import type { GuardConfig } from './config';

/** The variable through which the identity stack's API client id reaches the gateway. */
export const API_CLIENT_ID_VARIABLE = 'api_client_id';

/**
 * The AWS side. The authorizer's issuer comes from the tenant and cloud (known at synth); its audience
 * needs the API app's client id, which exists only once the identity stack is applied, so it arrives
 * as the `api_client_id` variable: the deploy step passes the identity output, the offline rehearsal
 * passes the id the Entra emulator assigned. Issuer and audience are still derived together from the
 * token version, so they cannot disagree.
 */
export class GatewayStack extends TerraformStack {
  readonly api: JwtHttpApi;

  constructor(scope: Construct, id: string, config: GuardConfig, outdir: string) {
    super(scope, id);
    const endpoint = config.aws.endpoint;
    new AwsProvider(this, 'aws', {
      region: config.aws.region,
      ...(endpoint
        ? {
            // A local AWS (moto_server): every service at one endpoint, no account look-ups.
            accessKey: 'test',
            secretKey: 'test',
            skipCredentialsValidation: true,
            skipRequestingAccountId: true,
            skipMetadataApiCheck: 'true',
            skipRegionValidation: true,
            s3UsePathStyle: true,
            endpoints: [{ apigatewayv2: endpoint, iam: endpoint, lambda: endpoint, cloudwatchlogs: endpoint, sts: endpoint, s3: endpoint }],
          }
        : {}),
    });
    if (config.aws.providerVersion) this.addOverride('terraform.required_providers.aws.version', config.aws.providerVersion);
    configureBackend(this, id, config, outdir);

    const apiClientId = new TerraformVariable(this, API_CLIENT_ID_VARIABLE, {
      type: 'string',
      description: "The Entra API app's client id (the identity stack's api_client_id output).",
      ...(config.apiClientId ? { default: config.apiClientId } : {}),
    });
    const cloud = resolveCloud(config.cloud ?? 'public', config.authorityHost);
    const clientId = apiClientId.stringValue;
    const contract = tokenContract({
      tenantId: config.tenantId,
      tokenVersion: config.tokenVersion,
      cloud,
      apiClientId: clientId,
      identifierUri: config.identifierUri === 'client-id' ? `api://${clientId}` : config.identifierUri,
    });

    const integration =
      'lambdaDir' in config.integration ? { ...config.integration, lambdaDir: resolve(config.root, config.integration.lambdaDir) } : config.integration;
    this.api = new JwtHttpApi(this, 'http-api', {
      name: config.apiName,
      trust: { issuer: contract.issuer, audiences: contract.audiences },
      routes: config.routes,
      integration,
      stage: config.stage,
      buildDir: join(outdir, '.build'),
    });

    new TerraformOutput(this, 'api_url', { value: this.api.url });
    new TerraformOutput(this, 'api_id', { value: this.api.apiId });
    new TerraformOutput(this, 'issuer', { value: contract.issuer });
    new TerraformOutput(this, 'audiences', { value: contract.audiences });
  }
}
