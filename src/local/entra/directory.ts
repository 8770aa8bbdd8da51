import { checkFederatedCredentials, checkTenantId, isGuid, parseClaimsMatchingExpression, type ClaimCondition, type TokenVersion } from '../../contract';
import type {
  AppRoleAssignmentSpec,
  DirectoryAppRoleSpec,
  ApplicationSpec,
  DirectorySpec,
  FederatedCredentialSpec,
  OAuth2ScopeSpec,
  OptionalClaimsSpec,
  PasswordSpec,
  ServicePrincipalSpec,
  TenantSpec,
} from './directory-spec';
import type { ReplicatedKind, Visibility } from './replication';

/** A federated credential as stored, with the time it was added (for the propagation-delay fault). */
export interface StoredCredential {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly subject?: string;
  readonly claimsMatchingExpression?: string;
  /** Parsed expression of a flexible credential. */
  readonly conditions?: readonly ClaimCondition[];
  /** Clock time (ms) the credential was added or loaded. */
  readonly addedAt: number;
}

export interface DirectoryApplication {
  readonly displayName: string;
  readonly clientId: string;
  readonly objectId: string;
  readonly identifierUris: string[];
  readonly tokenVersion: TokenVersion;
  readonly appRoles: DirectoryAppRoleSpec[];
  readonly oauth2Scopes: OAuth2ScopeSpec[];
  readonly federatedCredentials: StoredCredential[];
  readonly passwords: PasswordSpec[];
  readonly optionalClaims: OptionalClaimsSpec;
  /** Clock time (ms) the application was added (for the replication-delay fault). */
  readonly addedAt: number;
}

export interface StoredServicePrincipal extends ServicePrincipalSpec {
  readonly addedAt: number;
}

export interface StoredAssignment extends AppRoleAssignmentSpec {
  readonly addedAt: number;
}

export interface DirectoryTenant {
  readonly id: string;
  readonly displayName: string;
  /** Domain names that stand for the tenant in URLs (lower case), e.g. `contoso.onmicrosoft.com`. */
  readonly domains: readonly string[];
  readonly applications: DirectoryApplication[];
  readonly servicePrincipals: StoredServicePrincipal[];
  readonly appRoleAssignments: StoredAssignment[];
}

const ALL_VISIBLE: Visibility = () => true;

/**
 * The emulator's directory: tenants, app registrations, service principals and role assignments.
 * Every object is stamped with the time it was added; lookups take a {@link Visibility} so that the
 * replication faults can hide young objects from the token endpoint.
 */
export class Directory {
  private readonly tenants = new Map<string, DirectoryTenant>();

  constructor(private readonly now: () => number) {}

  /** Adds every tenant of a spec (replacing tenants with the same id). */
  load(spec: DirectorySpec): void {
    if (spec === null || typeof spec !== 'object' || typeof spec.tenants !== 'object') {
      throw new TypeError('directory spec must be an object like { tenants: { "<tenant id>": { applications: [...] } } }');
    }
    for (const [tenantId, tenant] of Object.entries(spec.tenants)) this.addTenant(tenantId, tenant);
  }

  addTenant(tenantId: string, spec: TenantSpec = {}): DirectoryTenant {
    const id = checkTenantId(tenantId);
    // Checked before anything is added, so a refused stack leaves the directory as it was.
    for (const app of spec.applications ?? []) checkFederatedCredentials(app.federatedCredentials ?? [], `application ${app.clientId}`);
    const tenant: DirectoryTenant = {
      id,
      displayName: spec.displayName ?? id,
      domains: (spec.domains ?? []).map((domain) => checkDomain(domain)),
      applications: [],
      servicePrincipals: [],
      appRoleAssignments: [],
    };
    this.tenants.set(id, tenant);
    for (const app of spec.applications ?? []) this.addApplication(id, app);
    for (const sp of spec.servicePrincipals ?? []) this.addServicePrincipal(id, sp);
    for (const assignment of spec.appRoleAssignments ?? []) this.assignAppRole(id, assignment);
    return tenant;
  }

  /** A tenant by id, or by one of its domain names (the token endpoint accepts both in the path). */
  tenant(tenantIdOrDomain: string): DirectoryTenant | undefined {
    const key = tenantIdOrDomain.toLowerCase();
    const byId = this.tenants.get(key);
    if (byId) return byId;
    for (const tenant of this.tenants.values()) if (tenant.domains.includes(key)) return tenant;
    return undefined;
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  addApplication(tenantId: string, spec: ApplicationSpec): DirectoryApplication {
    const tenant = this.requireTenant(tenantId);
    checkId('application clientId', spec.clientId);
    checkId('application objectId', spec.objectId);
    if (tenant.applications.some((app) => app.clientId === spec.clientId.toLowerCase())) {
      throw new TypeError(`application ${spec.clientId} already exists in tenant ${tenant.id}`);
    }
    const app: DirectoryApplication = {
      displayName: spec.displayName,
      clientId: spec.clientId.toLowerCase(),
      objectId: spec.objectId.toLowerCase(),
      identifierUris: [...(spec.identifierUris ?? [])],
      tokenVersion: spec.tokenVersion ?? 1,
      appRoles: [...(spec.appRoles ?? [])],
      oauth2Scopes: [...(spec.oauth2Scopes ?? [])],
      federatedCredentials: [],
      passwords: [...(spec.passwords ?? [])],
      optionalClaims: { accessToken: [...(spec.optionalClaims?.accessToken ?? [])] },
      addedAt: spec.createdAt ?? this.now(),
    };
    checkFederatedCredentials(spec.federatedCredentials ?? [], `application ${app.clientId}`);
    tenant.applications.push(app);
    for (const credential of spec.federatedCredentials ?? []) this.addFederatedCredential(tenant.id, app.clientId, credential);
    return app;
  }

  /** Adds a federated credential, stamped with the current clock time, within Entra's limits. */
  addFederatedCredential(tenantId: string, clientId: string, spec: FederatedCredentialSpec): StoredCredential {
    const app = this.requireApplication(tenantId, clientId);
    checkFederatedCredentials([...app.federatedCredentials, spec], `application ${app.clientId}`);
    const base = { name: spec.name, issuer: spec.issuer, audiences: [...spec.audiences], addedAt: this.now() };
    const stored: StoredCredential =
      'claimsMatchingExpression' in spec
        ? {
            ...base,
            claimsMatchingExpression: spec.claimsMatchingExpression,
            conditions: parseClaimsMatchingExpression(spec.claimsMatchingExpression, { issuer: spec.issuer }),
          }
        : { ...base, subject: spec.subject };
    app.federatedCredentials.push(stored);
    return stored;
  }

  removeFederatedCredential(tenantId: string, clientId: string, name: string): boolean {
    const app = this.requireApplication(tenantId, clientId);
    const index = app.federatedCredentials.findIndex((credential) => credential.name === name);
    if (index >= 0) app.federatedCredentials.splice(index, 1);
    return index >= 0;
  }

  addServicePrincipal(tenantId: string, spec: ServicePrincipalSpec): StoredServicePrincipal {
    const tenant = this.requireTenant(tenantId);
    checkId('servicePrincipal objectId', spec.objectId);
    const sp = {
      clientId: spec.clientId.toLowerCase(),
      objectId: spec.objectId.toLowerCase(),
      appRoleAssignmentRequired: spec.appRoleAssignmentRequired ?? false,
      addedAt: spec.createdAt ?? this.now(),
    };
    tenant.servicePrincipals.push(sp);
    return sp;
  }

  assignAppRole(tenantId: string, spec: AppRoleAssignmentSpec): void {
    const tenant = this.requireTenant(tenantId);
    tenant.appRoleAssignments.push({
      principalObjectId: spec.principalObjectId.toLowerCase(),
      resourceObjectId: spec.resourceObjectId.toLowerCase(),
      appRoleId: spec.appRoleId.toLowerCase(),
      addedAt: this.now(),
    });
  }

  removeAppRoleAssignments(tenantId: string, principalObjectId: string): void {
    const tenant = this.requireTenant(tenantId);
    const kept = tenant.appRoleAssignments.filter((assignment) => assignment.principalObjectId !== principalObjectId.toLowerCase());
    tenant.appRoleAssignments.splice(0, tenant.appRoleAssignments.length, ...kept);
  }

  application(tenantId: string, clientId: string, visible: Visibility = ALL_VISIBLE): DirectoryApplication | undefined {
    return this.tenant(tenantId)?.applications.find((app) => app.clientId === clientId.toLowerCase() && visible('application', app.addedAt));
  }

  /** The app a resource names: one of its App ID URIs, or its client id. */
  resourceApplication(tenantId: string, resource: string, visible: Visibility = ALL_VISIBLE): DirectoryApplication | undefined {
    return this.tenant(tenantId)?.applications.find(
      (app) => (app.identifierUris.includes(resource) || app.clientId === resource.toLowerCase()) && visible('application', app.addedAt),
    );
  }

  servicePrincipal(tenantId: string, clientId: string, visible: Visibility = ALL_VISIBLE): StoredServicePrincipal | undefined {
    return this.tenant(tenantId)?.servicePrincipals.find((sp) => sp.clientId === clientId.toLowerCase() && visible('servicePrincipal', sp.addedAt));
  }

  /** Values of the app roles the principal holds on the resource SP, in the API's role order. */
  assignedRoleValues(
    tenantId: string,
    principalObjectId: string,
    resourceObjectId: string,
    api: DirectoryApplication,
    visible: Visibility = ALL_VISIBLE,
  ): string[] {
    const assigned = new Set(this.assignments(tenantId, principalObjectId, resourceObjectId, visible).map((a) => a.appRoleId));
    return api.appRoles
      .filter((role) => assigned.has(role.id.toLowerCase()) && role.enabled !== false && (role.allowedMemberTypes ?? ['Application']).includes('Application'))
      .map((role) => role.value);
  }

  /** Whether the principal holds any assignment on the resource SP (including the default-access role). */
  hasAssignment(tenantId: string, principalObjectId: string, resourceObjectId: string, visible: Visibility = ALL_VISIBLE): boolean {
    return this.assignments(tenantId, principalObjectId, resourceObjectId, visible).length > 0;
  }

  private assignments(tenantId: string, principalObjectId: string, resourceObjectId: string, visible: Visibility): StoredAssignment[] {
    const kind: ReplicatedKind = 'appRoleAssignment';
    return this.requireTenant(tenantId).appRoleAssignments.filter(
      (a) => a.principalObjectId === principalObjectId && a.resourceObjectId === resourceObjectId && visible(kind, a.addedAt),
    );
  }

  private requireTenant(tenantId: string): DirectoryTenant {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new TypeError(`tenant ${tenantId} is not in the directory (add it first)`);
    return tenant;
  }

  private requireApplication(tenantId: string, clientId: string): DirectoryApplication {
    const app = this.application(tenantId, clientId);
    if (!app) throw new TypeError(`application ${clientId} is not in tenant ${tenantId}`);
    return app;
  }
}

function checkDomain(domain: string): string {
  if (typeof domain !== 'string' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(domain))
    throw new TypeError(`tenant domain must be a DNS name like contoso.onmicrosoft.com, got ${JSON.stringify(domain)}`);
  return domain.toLowerCase();
}

function checkId(key: string, value: string): void {
  if (typeof value !== 'string' || !isGuid(value)) throw new TypeError(`${key} must be a GUID, got ${JSON.stringify(value)}`);
}
