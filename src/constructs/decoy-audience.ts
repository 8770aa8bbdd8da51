import { Construct } from 'constructs';
import { AppRoleAssignment } from '@cdktf/provider-azuread/lib/app-role-assignment';
import { EntraApiApplication } from './entra-api-application';
import type { GithubPipelineCaller } from './github-pipeline-caller';

export interface DecoyAudienceProps {
  /** The protected API: the decoy copies its tenant, cloud and token version, so only `aud` differs. */
  readonly api: EntraApiApplication;
  /** The pipeline that gets a role on the decoy, so it can mint a genuine token for it. */
  readonly caller: GithubPipelineCaller;
  /** Display name of the decoy app registration, e.g. `orders-api-decoy`. */
  readonly displayName: string;
  /** Tenant id of the API (the decoy lives in the same tenant). */
  readonly tenantId: string;
}

/** The decoy's one app role; its value is what the caller's decoy tokens carry in `roles`. */
export const DECOY_APP_ROLE = 'Gate.Decoy';

/**
 * A second API app in the API's tenant that nothing trusts, with an app role for the caller. The gate
 * mints a genuine token for it (same issuer, same keys, another `aud`) and expects the API to refuse
 * it: real evidence that the authorizer checks the audience, unlike a Microsoft Graph token, which a
 * standard verifier already refuses on its signature.
 */
export class DecoyAudience extends Construct {
  readonly application: EntraApiApplication;
  /** The scope the caller requests for the decoy, `<App ID URI>/.default`. */
  readonly scope: string;

  constructor(scope: Construct, id: string, props: DecoyAudienceProps) {
    super(scope, id);
    this.application = new EntraApiApplication(this, 'api', {
      displayName: props.displayName,
      tenantId: props.tenantId,
      cloud: props.api.cloud,
      tokenVersion: props.api.tokenVersion,
      identifierUri: 'client-id',
      appRoles: [{ value: DECOY_APP_ROLE, description: 'Lets the entra-api-guard gate mint a wrong-audience token' }],
    });
    new AppRoleAssignment(this, 'role-assignment', {
      appRoleId: this.application.appRoleId(DECOY_APP_ROLE),
      principalObjectId: props.caller.servicePrincipal.objectId,
      resourceObjectId: this.application.servicePrincipal.objectId,
    });
    this.scope = this.application.contract.scope;
  }
}
