import { Annotations, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider';
import { DecoyAudience, EntraApiApplication, GithubPipelineCaller } from '../src/constructs';
import { resolveCloud } from '../src/contract';
import { configureBackend } from './backend';
import type { GuardConfig } from './config';

/** Terraform outputs of the identity stack, read by the deploy step and handed to the gateway. */
export const IDENTITY_OUTPUTS = ['tenant_id', 'api_client_id', 'identifier_uri', 'scope', 'issuer', 'audiences', 'caller_client_id', 'token_endpoint'] as const;

/** With `decoyAudience` (the default): the decoy API's scope, for the gate's wrong-audience probe. */
export const DECOY_SCOPE_OUTPUT = 'decoy_scope';

/** The Entra side: the API app registration and the GitHub pipeline that may call it. */
export class IdentityStack extends TerraformStack {
  readonly api: EntraApiApplication;
  readonly caller: GithubPipelineCaller;
  readonly decoy?: DecoyAudience;

  constructor(scope: Construct, id: string, config: GuardConfig, outdir: string) {
    super(scope, id);
    const cloud = resolveCloud(config.cloud ?? 'public', config.authorityHost);
    new AzureadProvider(this, 'azuread', {
      tenantId: config.tenantId,
      environment: cloud.name === 'usgov' ? 'usgovernment' : cloud.name === 'china' ? 'china' : 'global',
    });
    configureBackend(this, id, config, outdir);

    this.api = new EntraApiApplication(this, 'api', {
      displayName: config.apiName,
      tenantId: config.tenantId,
      cloud,
      tokenVersion: config.tokenVersion,
      identifierUri: config.identifierUri,
      appRoles: config.appRoles,
      scopes: config.scopes,
    });
    this.caller = new GithubPipelineCaller(this, 'caller', {
      displayName: config.caller.displayName ?? `${config.apiName}-pipeline`,
      api: this.api,
      subjects: config.subjects,
      flexibleCredentials: config.caller.flexibleCredentials,
      ...(config.caller.issuer ? { issuer: config.caller.issuer } : {}),
    });

    for (const warning of config.warnings) Annotations.of(this.caller).addWarning(warning);

    const contract = this.api.contract;
    const outputs: Record<(typeof IDENTITY_OUTPUTS)[number], unknown> = {
      tenant_id: config.tenantId,
      api_client_id: this.api.clientId,
      identifier_uri: this.api.identifierUri,
      scope: contract.scope,
      issuer: contract.issuer,
      audiences: contract.audiences,
      caller_client_id: this.caller.clientId,
      token_endpoint: contract.tokenEndpoint,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
    if (config.decoyAudience) {
      this.decoy = new DecoyAudience(this, 'decoy', { api: this.api, caller: this.caller, tenantId: config.tenantId, displayName: `${config.apiName}-decoy` });
      new TerraformOutput(this, DECOY_SCOPE_OUTPUT, { value: this.decoy.scope });
    }
  }
}
