import { timingSafeEqual } from 'node:crypto';
import type { KeyRing } from '../github/key-ring';
import { accessTokenClaims } from './access-token';
import { checkAssertion } from './assertion';
import { AadstsError, aadsts } from './aadsts';
import type { DirectoryApplication, Directory, DirectoryTenant } from './directory';
import type { JwksFetcher } from '../../token/jwks-fetcher';
import type { Visibility } from './replication';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface TokenRequestContext {
  readonly authorityHost: string;
  readonly directory: Directory;
  readonly issuerKeys: JwksFetcher;
  readonly signingKeys: (tenantId: string) => Promise<KeyRing>;
  readonly nowMs: number;
  /** Which directory objects have replicated (all of them unless a replication fault is on). */
  readonly visible: Visibility;
  readonly assertionClockSkewSeconds: number;
  /** Lifetime of the token being issued, 3600–5400 s (Entra: 60–90 minutes). */
  readonly accessTokenLifetimeSeconds: number;
}

/** Client credentials sent with HTTP Basic (client_secret_basic), already decoded. */
export interface BasicCredentials {
  readonly clientId: string;
  readonly secret: string;
}

export interface TokenResponse {
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly ext_expires_in: number;
  readonly access_token: string;
}

/**
 * The client-credentials grant at `/{tenant}/oauth2/v2.0/token`: authenticates the caller with a
 * federated assertion or a client secret, resolves `<resource>/.default`, enforces app role
 * assignment, and signs an access token in the API app's token version. Failures throw AadstsError.
 */
export async function exchangeClientCredentials(
  tenantSegment: string,
  form: URLSearchParams,
  basic: BasicCredentials | undefined,
  context: TokenRequestContext,
): Promise<TokenResponse> {
  const tenant = context.directory.tenant(tenantSegment);
  if (!tenant) throw new AadstsError(aadsts.tenantNotFound(tenantSegment));
  const grantType = required(form, 'grant_type');
  if (grantType !== 'client_credentials') throw new AadstsError(aadsts.unsupportedGrantType(grantType));
  const clientId = form.get('client_id') ?? basic?.clientId;
  if (clientId === undefined || clientId === '') throw new AadstsError(aadsts.missingParameter('client_id'));
  const visible = context.visible;
  const caller = context.directory.application(tenant.id, clientId, visible);
  if (!caller) throw new AadstsError(aadsts.applicationNotFound(clientId, tenant.displayName));

  const clientAuthentication = await authenticate(form, basic, caller, context);
  const callerSp = context.directory.servicePrincipal(tenant.id, caller.clientId, visible);
  if (!callerSp) throw new AadstsError(aadsts.callerServicePrincipalMissing(caller.clientId, tenant.id));

  const { api, resource } = resolveScope(required(form, 'scope'), tenant, context);
  const apiSp = context.directory.servicePrincipal(tenant.id, api.clientId, visible);
  if (!apiSp) throw new AadstsError(aadsts.resourceNotFound(resource, tenant.displayName));
  if (apiSp.appRoleAssignmentRequired === true && !context.directory.hasAssignment(tenant.id, callerSp.objectId, apiSp.objectId, visible)) {
    throw new AadstsError(aadsts.notAssignedToRole(caller.clientId, caller.displayName, resource, api.displayName));
  }
  // An assignment that has not replicated yet gives a token without `roles` (when none is required).
  const roles = context.directory.assignedRoleValues(tenant.id, callerSp.objectId, apiSp.objectId, api, visible);
  const claims = accessTokenClaims({
    authorityHost: context.authorityHost,
    tenantId: tenant.id,
    api,
    resource,
    caller,
    callerObjectId: callerSp.objectId,
    roles,
    clientAuthentication,
    nowMs: context.nowMs,
    lifetimeSeconds: context.accessTokenLifetimeSeconds,
  });
  const keys = await context.signingKeys(tenant.id);
  // expires_in is what is left of the token's own lifetime, so a client's cache agrees with `exp`.
  const expiresIn = (claims['exp'] as number) - Math.floor(context.nowMs / 1000);
  return { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: await keys.sign(claims) };
}

async function authenticate(
  form: URLSearchParams,
  basic: BasicCredentials | undefined,
  caller: DirectoryApplication,
  context: TokenRequestContext,
): Promise<'1' | '2'> {
  const assertion = form.get('client_assertion');
  const secret = form.get('client_secret') ?? basic?.secret;
  if (assertion !== null && assertion !== '') {
    // A missing or different assertion type is reported as the missing parameter [uncertain: Entra's exact code].
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION_TYPE) throw new AadstsError(aadsts.missingParameter('client_assertion_type'));
    await checkAssertion({
      assertion,
      app: caller,
      nowMs: context.nowMs,
      keys: context.issuerKeys,
      visible: context.visible,
      clockSkewSeconds: context.assertionClockSkewSeconds,
    });
    return '2';
  }
  if (secret !== undefined && secret !== null && secret !== '') {
    if (!caller.passwords.some((password) => sameSecret(password.value, secret))) throw new AadstsError(aadsts.invalidClientSecret(caller.clientId));
    return '1';
  }
  throw new AadstsError(aadsts.missingClientCredential());
}

/**
 * App-only callers ask for exactly one `<App ID URI or client id>/.default` (protocols.md §2-3):
 * several resources → 700022; a named scope, role or bare word (`User.Read`, `openid`) instead of
 * `/.default` → 1002012 (as real answers show); a `/.default` that names no resource → 70011.
 */
function resolveScope(scope: string, tenant: DirectoryTenant, context: TokenRequestContext): { api: DirectoryApplication; resource: string } {
  const scopes = scope.trim().split(/\s+/);
  const resources = new Set(scopes.map(resourceOf).filter((resource) => resource !== ''));
  if (resources.size > 1) throw new AadstsError(aadsts.scopeWithSeveralResources(scope));
  if (scopes.some((one) => !one.endsWith('/.default'))) throw new AadstsError(aadsts.scopeWithoutDefault(scope));
  const resource = resourceOf(scopes[0] ?? '');
  if (resource === '' || scopes.length !== 1) throw new AadstsError(aadsts.invalidScope(scope));
  const api = context.directory.resourceApplication(tenant.id, resource, context.visible);
  if (!api) throw new AadstsError(aadsts.resourceNotFound(resource, tenant.displayName));
  return { api, resource };
}

/** `api://orders-api/.default` → `api://orders-api`; a bare word (`User.Read`) names no resource → ''. */
function resourceOf(scope: string): string {
  const slash = scope.lastIndexOf('/');
  return slash <= 0 ? '' : scope.slice(0, slash);
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value === '') throw new AadstsError(aadsts.missingParameter(name));
  return value;
}

function sameSecret(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
