import { checkTenantId, isGuid, type TokenVersion } from '../../contract';
import { parseClaimsExpression, type ClaimCondition } from './claims-expression';
import type {
  AppRoleAssignmentSpec,
  AppRoleSpec,
  ApplicationSpec,
  DirectorySpec,
  FederatedCredentialSpec,
  OAuth2ScopeSpec,
  PasswordSpec,
  ServicePrincipalSpec,
  TenantSpec,
} from './directory-spec';

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
  readonly appRoles: AppRoleSpec[];
  readonly oauth2Scopes: OAuth2ScopeSpec[];
  readonly federatedCredentials: StoredCredential[];
  readonly passwords: PasswordSpec[];
}

export interface DirectoryTenant {
  readonly id: string;
  readonly displayName: string;
  readonly applications: DirectoryApplication[];
  readonly servicePrincipals: ServicePrincipalSpec[];
  readonly appRoleAssignments: AppRoleAssignmentSpec[];
}

/**
 * The emulator's directory: tenants, app registrations, service principals and role assignments.
 * Mutations take effect at once; the propagation-delay fault hides new credentials for a while.
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
    const tenant: DirectoryTenant = {
      id,
      displayName: spec.displayName ?? id,
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

  tenant(tenantId: string): DirectoryTenant | undefined {
    return this.tenants.get(tenantId.toLowerCase());
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
    };
    tenant.applications.push(app);
    for (const credential of spec.federatedCredentials ?? []) this.addFederatedCredential(tenant.id, app.clientId, credential);
    return app;
  }

  /** Adds a federated credential, stamped with the current clock time. */
  addFederatedCredential(tenantId: string, clientId: string, spec: FederatedCredentialSpec): StoredCredential {
    const app = this.requireApplication(tenantId, clientId);
    if (app.federatedCredentials.some((existing) => existing.name === spec.name)) {
      throw new TypeError(`federated credential "${spec.name}" already exists on application ${app.clientId}`);
    }
    const stored: StoredCredential =
      'claimsMatchingExpression' in spec
        ? { name: spec.name, issuer: spec.issuer, audiences: [...spec.audiences], claimsMatchingExpression: spec.claimsMatchingExpression, conditions: parseClaimsExpression(spec.claimsMatchingExpression), addedAt: this.now() }
        : { name: spec.name, issuer: spec.issuer, audiences: [...spec.audiences], subject: spec.subject, addedAt: this.now() };
    app.federatedCredentials.push(stored);
    return stored;
  }

  removeFederatedCredential(tenantId: string, clientId: string, name: string): boolean {
    const app = this.requireApplication(tenantId, clientId);
    const index = app.federatedCredentials.findIndex((credential) => credential.name === name);
    if (index >= 0) app.federatedCredentials.splice(index, 1);
    return index >= 0;
  }

  addServicePrincipal(tenantId: string, spec: ServicePrincipalSpec): ServicePrincipalSpec {
    const tenant = this.requireTenant(tenantId);
    checkId('servicePrincipal objectId', spec.objectId);
    const sp = { clientId: spec.clientId.toLowerCase(), objectId: spec.objectId.toLowerCase(), appRoleAssignmentRequired: spec.appRoleAssignmentRequired ?? false };
    tenant.servicePrincipals.push(sp);
    return sp;
  }

  assignAppRole(tenantId: string, spec: AppRoleAssignmentSpec): void {
    const tenant = this.requireTenant(tenantId);
    tenant.appRoleAssignments.push({
      principalObjectId: spec.principalObjectId.toLowerCase(),
      resourceObjectId: spec.resourceObjectId.toLowerCase(),
      appRoleId: spec.appRoleId.toLowerCase(),
    });
  }

  removeAppRoleAssignments(tenantId: string, principalObjectId: string): void {
    const tenant = this.requireTenant(tenantId);
    const kept = tenant.appRoleAssignments.filter((assignment) => assignment.principalObjectId !== principalObjectId.toLowerCase());
    tenant.appRoleAssignments.splice(0, tenant.appRoleAssignments.length, ...kept);
  }

  application(tenantId: string, clientId: string): DirectoryApplication | undefined {
    return this.tenant(tenantId)?.applications.find((app) => app.clientId === clientId.toLowerCase());
  }

  /** The app a resource names: one of its App ID URIs, or its client id. */
  resourceApplication(tenantId: string, resource: string): DirectoryApplication | undefined {
    return this.tenant(tenantId)?.applications.find(
      (app) => app.identifierUris.includes(resource) || app.clientId === resource.toLowerCase(),
    );
  }

  servicePrincipal(tenantId: string, clientId: string): ServicePrincipalSpec | undefined {
    return this.tenant(tenantId)?.servicePrincipals.find((sp) => sp.clientId === clientId.toLowerCase());
  }

  /** Values of the app roles the principal holds on the resource SP, in the API's role order. */
  assignedRoleValues(tenantId: string, principalObjectId: string, resourceObjectId: string, api: DirectoryApplication): string[] {
    const tenant = this.requireTenant(tenantId);
    const assigned = new Set(
      tenant.appRoleAssignments
        .filter((a) => a.principalObjectId === principalObjectId && a.resourceObjectId === resourceObjectId)
        .map((a) => a.appRoleId),
    );
    return api.appRoles
      .filter((role) => assigned.has(role.id.toLowerCase()) && role.enabled !== false && (role.allowedMemberTypes ?? ['Application']).includes('Application'))
      .map((role) => role.value);
  }

  /** Whether the principal holds any assignment on the resource SP (including the default-access role). */
  hasAssignment(tenantId: string, principalObjectId: string, resourceObjectId: string): boolean {
    return this.requireTenant(tenantId).appRoleAssignments.some(
      (a) => a.principalObjectId === principalObjectId && a.resourceObjectId === resourceObjectId,
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

function checkId(key: string, value: string): void {
  if (typeof value !== 'string' || !isGuid(value)) throw new TypeError(`${key} must be a GUID, got ${JSON.stringify(value)}`);
}
