import { Construct } from 'constructs';
import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationIdentifierUri } from '@cdktf/provider-azuread/lib/application-identifier-uri';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { checkIdentifierUri, resolveCloud, stableUuid, tokenContract, type Cloud, type JwtTrust, type TokenContract, type TokenVersion } from '../contract';
import { InvalidInputError } from '../errors';

/** An app role that callers (pipelines, daemons) are granted. */
export interface AppRoleSpec {
  /** Value carried in the token's `roles` claim, e.g. `Gate.Invoke`. */
  readonly value: string;
  /** @default - "Allows <value>" */
  readonly description?: string;
  /** @default ['Application'] (app-only callers such as pipelines) */
  readonly allowedMemberTypes?: readonly ('Application' | 'User')[];
}

/** A delegated permission (for user-facing clients); carried in the token's `scp` claim. */
export interface DelegatedScopeSpec {
  readonly value: string;
  /** @default - "Allows <value>" */
  readonly description?: string;
}

export interface EntraApiApplicationProps {
  /** Display name of the app registration. */
  readonly displayName: string;
  /** Directory (tenant) id; token issuers carry it. */
  readonly tenantId: string;
  /** @default - the public cloud */
  readonly cloud?: Cloud;
  /** Access-token version the API accepts (`requested_access_token_version`). @default 2 */
  readonly tokenVersion?: TokenVersion;
  /**
   * App ID URI: `'client-id'` for `api://<client id>`, or an explicit URI such as `api://orders-api`.
   * @default 'client-id' (always allowed by Entra's app ID URI policy)
   */
  readonly identifierUri?: string;
  /** @default [{ value: 'Gate.Invoke' }] */
  readonly appRoles?: readonly AppRoleSpec[];
  /** @default - no delegated scopes */
  readonly scopes?: readonly DelegatedScopeSpec[];
  /** Refuse tokens to callers holding no app role assignment. @default true */
  readonly appRoleAssignmentRequired?: boolean;
}

export const DEFAULT_APP_ROLE = 'Gate.Invoke';

/**
 * The Entra side of a protected API: app registration, App ID URI, service principal, and the token
 * contract (issuer, audiences) a JWT authorizer must trust. Role and scope ids are derived from names,
 * so they never churn between synths.
 */
export class EntraApiApplication extends Construct {
  readonly application: Application;
  readonly servicePrincipal: ServicePrincipal;
  readonly cloud: Cloud;
  readonly tokenVersion: TokenVersion;
  /** Client (application) id; resolved at apply time. */
  readonly clientId: string;
  /** The App ID URI callers request tokens for. */
  readonly identifierUri: string;
  readonly contract: TokenContract;
  private readonly roleIds = new Map<string, string>();

  constructor(scope: Construct, id: string, props: EntraApiApplicationProps) {
    super(scope, id);
    this.cloud = props.cloud ?? resolveCloud('public');
    this.tokenVersion = props.tokenVersion ?? 2;
    if (this.tokenVersion !== 1 && this.tokenVersion !== 2) {
      throw new InvalidInputError(`${id}.tokenVersion`, this.tokenVersion, '1 or 2 (2 is recommended)');
    }
    const roles = props.appRoles ?? [{ value: DEFAULT_APP_ROLE }];
    const scopes = props.scopes ?? [];
    checkPermissionValues(id, roles, scopes);

    this.application = new Application(this, 'application', {
      displayName: props.displayName,
      api: {
        requestedAccessTokenVersion: this.tokenVersion,
        oauth2PermissionScope: scopes.map((scope) => ({
          id: stableUuid(props.displayName, 'scope', scope.value),
          value: scope.value,
          type: 'User',
          enabled: true,
          adminConsentDisplayName: scope.value,
          adminConsentDescription: scope.description ?? `Allows ${scope.value}`,
        })),
      },
      appRole: roles.map((role) => {
        const roleId = stableUuid(props.displayName, 'role', role.value);
        this.roleIds.set(role.value, roleId);
        return {
          id: roleId,
          value: role.value,
          displayName: role.value,
          description: role.description ?? `Allows ${role.value}`,
          allowedMemberTypes: [...(role.allowedMemberTypes ?? ['Application'])],
          enabled: true,
        };
      }),
    });
    this.clientId = this.application.clientId;

    const requested = props.identifierUri ?? 'client-id';
    this.identifierUri = requested === 'client-id' ? `api://${this.application.clientId}` : checkIdentifierUri(requested);
    // A separate resource sets api://<client id> without a self-reference cycle on the application.
    new ApplicationIdentifierUri(this, 'identifier-uri', {
      applicationId: this.application.id,
      identifierUri: this.identifierUri,
    });

    this.servicePrincipal = new ServicePrincipal(this, 'service-principal', {
      clientId: this.application.clientId,
      appRoleAssignmentRequired: props.appRoleAssignmentRequired ?? true,
    });

    this.contract = tokenContract({
      tenantId: props.tenantId,
      tokenVersion: this.tokenVersion,
      cloud: this.cloud,
      apiClientId: this.clientId,
      identifierUri: this.identifierUri,
    });
  }

  /** What a JWT authorizer must trust for this API's tokens. */
  get trust(): JwtTrust {
    return { issuer: this.contract.issuer, audiences: this.contract.audiences };
  }

  /** The stable id of an app role declared on this API. */
  appRoleId(value: string): string {
    const roleId = this.roleIds.get(value);
    if (!roleId) {
      throw new InvalidInputError('role', value, `one of the API's app roles: ${[...this.roleIds.keys()].join(', ')}`);
    }
    return roleId;
  }

  get appRoleValues(): readonly string[] {
    return [...this.roleIds.keys()];
  }
}

function checkPermissionValues(id: string, roles: readonly AppRoleSpec[], scopes: readonly DelegatedScopeSpec[]): void {
  const seen = new Set<string>();
  // Roles and scopes share one value namespace in Entra.
  for (const [kind, value] of [...roles.map((r) => ['appRoles', r.value] as const), ...scopes.map((s) => ['scopes', s.value] as const)]) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/.test(value)) {
      throw new InvalidInputError(`${id}.${kind}`, value, 'a value of letters, digits, dots, hyphens or underscores (e.g. Gate.Invoke), up to 120 characters');
    }
    if (seen.has(value)) {
      throw new InvalidInputError(`${id}.${kind}`, value, 'a value used once across app roles and scopes (they share one namespace)');
    }
    seen.add(value);
  }
}
