import type { TokenVersion } from '../../contract';

/** A directory to load into the Entra emulator: tenants by id (GUID). */
export interface DirectorySpec {
  readonly tenants: Readonly<Record<string, TenantSpec>>;
}

export interface TenantSpec {
  /** Shown in messages that name the tenant. @default the tenant id */
  readonly displayName?: string;
  /** Domain names accepted in place of the tenant id in URLs, e.g. `contoso.onmicrosoft.com`. @default [] */
  readonly domains?: readonly string[];
  readonly applications?: readonly ApplicationSpec[];
  readonly servicePrincipals?: readonly ServicePrincipalSpec[];
  readonly appRoleAssignments?: readonly AppRoleAssignmentSpec[];
}

export interface ApplicationSpec {
  readonly displayName: string;
  /** The application (client) id. */
  readonly clientId: string;
  readonly objectId: string;
  /** App ID URIs, e.g. `api://orders-api`. @default [] */
  readonly identifierUris?: readonly string[];
  /** `requested_access_token_version`; Entra treats unset as 1. @default 1 */
  readonly tokenVersion?: TokenVersion;
  readonly appRoles?: readonly DirectoryAppRoleSpec[];
  readonly oauth2Scopes?: readonly OAuth2ScopeSpec[];
  readonly federatedCredentials?: readonly FederatedCredentialSpec[];
  /** Client secrets (the `value`, as azuread_application_password outputs it). */
  readonly passwords?: readonly PasswordSpec[];
  /** Optional claims of tokens issued for this app (the manifest's optionalClaims). @default none */
  readonly optionalClaims?: OptionalClaimsSpec;
  /** When the object was created (clock ms), for the replication faults; an old one has replicated. @default now */
  readonly createdAt?: number;
}

/** Optional claims by token type; only access tokens are issued here. */
export interface OptionalClaimsSpec {
  /** e.g. `['idtyp']`: Entra adds `idtyp` to app-only access tokens only when it is listed. */
  readonly accessToken?: readonly string[];
}

/** An app role as the directory holds it, with the id tokens' role assignments point at. */
export interface DirectoryAppRoleSpec {
  readonly id: string;
  readonly value: string;
  /** @default ['Application'] */
  readonly allowedMemberTypes?: readonly ('Application' | 'User')[];
  /** @default true */
  readonly enabled?: boolean;
}

export interface OAuth2ScopeSpec {
  readonly id: string;
  readonly value: string;
}

interface FederatedCredentialBase {
  /** Display name; unique per application. */
  readonly name: string;
  /** Compared with the assertion's `iss` exactly. */
  readonly issuer: string;
  /** Exactly one value in Entra, e.g. `api://AzureADTokenExchange`. */
  readonly audiences: readonly string[];
}

export interface SubjectCredentialSpec extends FederatedCredentialBase {
  /** Compared with `sub` exactly and case-sensitively. */
  readonly subject: string;
}

/** A flexible federated credential as the directory stores it: matched by expression instead of subject. */
export interface ClaimsMatchingCredentialSpec extends FederatedCredentialBase {
  /** e.g. `claims['sub'] matches 'repo:octo-org/orders-api:*'` (operators matches, eq, and). */
  readonly claimsMatchingExpression: string;
}

export type FederatedCredentialSpec = SubjectCredentialSpec | ClaimsMatchingCredentialSpec;

export interface PasswordSpec {
  readonly value: string;
  readonly displayName?: string;
}

export interface ServicePrincipalSpec {
  /** Client id of the application it instantiates. */
  readonly clientId: string;
  readonly objectId: string;
  /** Refuse tokens to callers without an app role assignment. @default false */
  readonly appRoleAssignmentRequired?: boolean;
  /** When the object was created (clock ms), for the replication faults. @default now */
  readonly createdAt?: number;
}

export interface AppRoleAssignmentSpec {
  /** Object id of the caller's service principal. */
  readonly principalObjectId: string;
  /** Object id of the API's service principal. */
  readonly resourceObjectId: string;
  readonly appRoleId: string;
}
