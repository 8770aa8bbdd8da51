import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkFederatedCredentials, checkTenantId, type TokenVersion } from '../../contract';
import type {
  DirectoryAppRoleSpec,
  ApplicationSpec,
  DirectorySpec,
  FederatedCredentialSpec,
  ServicePrincipalSpec,
  AppRoleAssignmentSpec,
} from './directory-spec';
import { APPLICATION_TYPES, IdentityStackError, TfStack, type TfBody } from './tf-stack';

export interface IdentityStackOptions {
  /** The directory (tenant) id the stack is applied to: the loader's choice, never read from the stack. */
  readonly tenantId: string;
  /** Values for `${var.NAME}` (stack variable defaults apply otherwise). */
  readonly variables?: Readonly<Record<string, string>>;
  /** Secret values for azuread_application_password resources, by logical name. @default random */
  readonly passwordValues?: Readonly<Record<string, string>>;
  /**
   * Replaces federated-credential issuers, e.g. `{ 'https://token.actions.githubusercontent.com': github.issuer }`
   * so a stack synthesized for real GitHub trusts the loopback issuer in a rehearsal. @default none
   */
  readonly issuerMap?: Readonly<Record<string, string>>;
}

export interface ApplicationSummary {
  /** The resource's logical name in the stack (e.g. `api_application_1A2B3C4D`). */
  readonly logicalName: string;
  readonly displayName: string;
  readonly clientId: string;
  readonly objectId: string;
  readonly identifierUris: readonly string[];
  readonly tokenVersion: TokenVersion;
  readonly appRoles: readonly string[];
  readonly federatedCredentials: readonly FederatedCredentialSpec[];
  /** Object id of the app's service principal, when the stack creates one. */
  readonly servicePrincipalObjectId?: string;
  readonly appRoleAssignmentRequired: boolean;
}

export interface IdentityStackSummary {
  readonly tenantId: string;
  readonly applications: readonly ApplicationSummary[];
  /** Apps that expose an API (identifier URIs or app roles): what the gateway stack trusts. */
  readonly apis: readonly ApplicationSummary[];
  /** Apps that sign in with a federated credential or a password: the pipelines. */
  readonly callers: readonly ApplicationSummary[];
  /** Client secrets created by azuread_application_password (returned, never logged). */
  readonly passwords: readonly { readonly logicalName: string; readonly clientId: string; readonly value: string }[];
}

export interface LoadedIdentityStack {
  readonly directory: DirectorySpec;
  readonly summary: IdentityStackSummary;
}

/** Reads a synthesized identity stack file (cdktf.out/stacks/<stack>/cdk.tf.json). */
export async function readIdentityStack(path: string, options: IdentityStackOptions): Promise<LoadedIdentityStack> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new IdentityStackError(
      `${path}: cannot read the synthesized stack (${error instanceof Error ? error.message : String(error)}); run npm run synth first`,
    );
  }
  return loadIdentityStack(parsed, options);
}

/**
 * Turns a synthesized identity stack into an emulator directory: azuread_application(_registration),
 * azuread_application_identifier_uri, azuread_application_app_role, azuread_service_principal,
 * azuread_application_(flexible_)federated_identity_credential, azuread_app_role_assignment and
 * azuread_application_password. Any reference it cannot resolve is one UnresolvedReferenceError.
 */
export function loadIdentityStack(stack: unknown, options: IdentityStackOptions): LoadedIdentityStack {
  const tenantId = checkTenantId(options.tenantId);
  const tf = new TfStack(stack, tenantId, options.variables ?? {});
  const apps = new Map<string, MutableApp>();
  for (const type of APPLICATION_TYPES) {
    for (const [name, body] of tf.list(type)) apps.set(name, readApplication(tf, type, name, body));
  }
  const issuerOf = (issuer: string): string => options.issuerMap?.[issuer] ?? issuer;
  const appFor = (resource: string, body: TfBody, attribute = 'application_id'): MutableApp => {
    const site = { resource, attribute };
    return apps.get(tf.applicationNamed(tf.value(body[attribute], site, true)!, site))!;
  };

  for (const [name, body] of tf.list('azuread_application_identifier_uri')) {
    const resource = `azuread_application_identifier_uri.${name}`;
    appFor(resource, body).identifierUris.push(tf.value(body['identifier_uri'], { resource, attribute: 'identifier_uri' }, true)!);
  }
  for (const [name, body] of tf.list('azuread_application_federated_identity_credential')) {
    const resource = `azuread_application_federated_identity_credential.${name}`;
    const at = (attribute: string) => ({ resource, attribute });
    appFor(resource, body).federatedCredentials.push({
      name: tf.value(body['display_name'], at('display_name'), true)!,
      issuer: issuerOf(tf.value(body['issuer'], at('issuer'), true)!),
      subject: tf.value(body['subject'], at('subject'), true)!,
      audiences: tf.strings(body['audiences'], at('audiences')),
    });
  }
  for (const [name, body] of tf.list('azuread_application_flexible_federated_identity_credential')) {
    const resource = `azuread_application_flexible_federated_identity_credential.${name}`;
    const at = (attribute: string) => ({ resource, attribute });
    appFor(resource, body).federatedCredentials.push({
      name: tf.value(body['display_name'], at('display_name'), true)!,
      issuer: issuerOf(tf.value(body['issuer'], at('issuer'), true)!),
      claimsMatchingExpression: tf.value(body['claims_matching_expression'], at('claims_matching_expression'), true)!,
      audiences: [tf.value(body['audience'], at('audience'), true)!],
    });
  }
  const passwords: { logicalName: string; clientId: string; value: string }[] = [];
  for (const [name, body] of tf.list('azuread_application_password')) {
    const app = appFor(`azuread_application_password.${name}`, body);
    const value = options.passwordValues?.[name] ?? randomBytes(30).toString('base64url');
    const displayName = tf.value(body['display_name'], { resource: `azuread_application_password.${name}`, attribute: 'display_name' });
    app.passwords.push(displayName === undefined ? { value } : { value, displayName });
    passwords.push({ logicalName: name, clientId: app.clientId, value });
  }

  const servicePrincipals: ServicePrincipalSpec[] = [];
  const spOf = new Map<string, { objectId: string; required: boolean }>();
  for (const [name, body] of tf.list('azuread_service_principal')) {
    const resource = `azuread_service_principal.${name}`;
    const app = appFor(resource, body, 'client_id');
    const required = body['app_role_assignment_required'] === true || body['app_role_assignment_required'] === 'true';
    servicePrincipals.push({ clientId: app.clientId, objectId: tf.objectId(name), appRoleAssignmentRequired: required });
    spOf.set(app.logicalName, { objectId: tf.objectId(name), required });
  }
  const appRoleAssignments: AppRoleAssignmentSpec[] = tf.list('azuread_app_role_assignment').map(([name, body]) => {
    const at = (attribute: string) => ({ resource: `azuread_app_role_assignment.${name}`, attribute });
    return {
      appRoleId: tf.value(body['app_role_id'], at('app_role_id'), true)!,
      principalObjectId: tf.value(body['principal_object_id'], at('principal_object_id'), true)!,
      resourceObjectId: tf.value(body['resource_object_id'], at('resource_object_id'), true)!,
    };
  });

  // Entra's limits (one audience, ≤ 20 per app, issuer + subject unique, one expression grammar),
  // named by the stack's resources so the message points at what to change.
  for (const app of apps.values()) checkFederatedCredentials(app.federatedCredentials, `${app.type}.${app.logicalName}`);
  const applications: ApplicationSpec[] = [...apps.values()].map(({ logicalName: _logicalName, type: _type, ...spec }) => spec);
  const summaries = [...apps.values()].map((app) => summarize(app, spOf.get(app.logicalName)));
  return {
    directory: { tenants: { [tenantId]: { applications, servicePrincipals, appRoleAssignments } } },
    summary: {
      tenantId,
      applications: summaries,
      apis: summaries.filter((app) => app.identifierUris.length > 0 || app.appRoles.length > 0),
      callers: summaries.filter((app) => app.federatedCredentials.length > 0 || passwords.some((password) => password.clientId === app.clientId)),
      passwords,
    },
  };
}

interface MutableApp {
  logicalName: string;
  type: string;
  displayName: string;
  clientId: string;
  objectId: string;
  identifierUris: string[];
  tokenVersion: TokenVersion;
  appRoles: DirectoryAppRoleSpec[];
  oauth2Scopes: { id: string; value: string }[];
  federatedCredentials: FederatedCredentialSpec[];
  passwords: { value: string; displayName?: string }[];
  optionalClaims: { accessToken: string[] };
}

function readApplication(tf: TfStack, type: string, name: string, body: TfBody): MutableApp {
  const resource = `${type}.${name}`;
  const at = (attribute: string) => ({ resource, attribute });
  const api = tf.blocks(body['api'])[0];
  const rawVersion = type === 'azuread_application' ? api?.['requested_access_token_version'] : body['requested_access_token_version'];
  const version = tf.value(rawVersion, at('requested_access_token_version'));
  if (version !== undefined && version !== '1' && version !== '2') {
    throw new IdentityStackError(`${resource}.requested_access_token_version: got ${JSON.stringify(version)}; expected 1 or 2`);
  }
  const scopes = tf.blocks(api?.['oauth2_permission_scope']).map((scope) => ({
    id: tf.value(scope['id'], at('api.oauth2_permission_scope.id'), true)!,
    value: tf.value(scope['value'], at('api.oauth2_permission_scope.value'), true)!,
  }));
  // optional_claims { access_token { name = "idtyp" } } on azuread_application.
  const accessTokenClaims = tf
    .blocks(body['optional_claims'])
    .flatMap((claims) => tf.blocks(claims['access_token']))
    .map((claim) => tf.value(claim['name'], at('optional_claims.access_token.name'), true)!);
  return {
    logicalName: name,
    type,
    optionalClaims: { accessToken: accessTokenClaims },
    displayName: tf.value(body['display_name'], at('display_name'), true)!,
    clientId: tf.clientId(name),
    objectId: tf.objectId(name),
    identifierUris: tf.strings(body['identifier_uris'], at('identifier_uris')),
    tokenVersion: version === '2' ? 2 : 1,
    appRoles: tf.rolesOf(name).map((role) => ({
      id: role.id,
      value: role.value,
      allowedMemberTypes: role.allowedMemberTypes.filter((kind): kind is 'Application' | 'User' => kind === 'Application' || kind === 'User'),
      enabled: role.enabled,
    })),
    oauth2Scopes: scopes,
    federatedCredentials: [],
    passwords: [],
  };
}

function summarize(app: MutableApp, sp: { objectId: string; required: boolean } | undefined): ApplicationSummary {
  return {
    logicalName: app.logicalName,
    displayName: app.displayName,
    clientId: app.clientId,
    objectId: app.objectId,
    identifierUris: [...app.identifierUris],
    tokenVersion: app.tokenVersion,
    appRoles: app.appRoles.map((role) => role.value),
    federatedCredentials: [...app.federatedCredentials],
    ...(sp ? { servicePrincipalObjectId: sp.objectId } : {}),
    appRoleAssignmentRequired: sp?.required ?? false,
  };
}
