import { stableUuid } from '../../contract';
import { GuardError } from '../../errors';
import { TerraformResolver, UnresolvedReferenceError, type AttributeReference, type TerraformJson, type ValueSite } from '../tf-resolver';

/** The synthesized stack is not shaped as the loader needs (missing attribute, wrong type). */
export class IdentityStackError extends GuardError {
  constructor(message: string) {
    super('ERR_INVALID_IDENTITY_STACK', message);
  }
}

const SUPPORTED_REFERENCES =
  'expected a literal, var.<name> with a value, or a reference to this stack such as azuread_application.<name>.client_id|object_id|id, azuread_service_principal.<name>.object_id|client_id';

export type TfBody = Readonly<Record<string, unknown>>;

export const APPLICATION_TYPES = ['azuread_application', 'azuread_application_registration'] as const;

/**
 * Reads a synthesized cdktf JSON stack (`cdk.tf.json`) and resolves the `${…}` references the
 * identity resources use. Ids that Entra would assign at apply time are derived deterministically:
 * stableUuid(tenantId, logicalName, 'client' | 'object').
 */
export class TfStack {
  private readonly resources: Readonly<Record<string, Readonly<Record<string, TfBody>>>>;
  private readonly resolver: TerraformResolver;

  constructor(
    stack: unknown,
    readonly tenantId: string,
    variables: Readonly<Record<string, string>>,
  ) {
    if (stack === null || typeof stack !== 'object' || Array.isArray(stack)) {
      throw new IdentityStackError('cdk.tf.json: expected a JSON object (the synthesized identity stack)');
    }
    const resource = (stack as Record<string, unknown>)['resource'];
    this.resources = resource !== null && typeof resource === 'object' ? (resource as Record<string, Record<string, TfBody>>) : {};
    this.resolver = new TerraformResolver(stack as TerraformJson, {
      variables,
      computed: (reference) => this.computed(reference),
      supported: SUPPORTED_REFERENCES,
    });
  }

  /** `[logicalName, body]` of every resource of a type. */
  list(type: string): [string, TfBody][] {
    return Object.entries(this.resources[type] ?? {});
  }

  body(type: string, name: string): TfBody | undefined {
    return this.resources[type]?.[name];
  }

  clientId(name: string): string {
    return stableUuid(this.tenantId, name, 'client');
  }

  objectId(name: string): string {
    return stableUuid(this.tenantId, name, 'object');
  }

  /** A string attribute with references resolved; `undefined` when absent and not required. */
  string(type: string, name: string, attribute: string, required: true): string;
  string(type: string, name: string, attribute: string, required?: boolean): string | undefined;
  string(type: string, name: string, attribute: string, required = false): string | undefined {
    return this.value(this.body(type, name)?.[attribute], { resource: `${type}.${name}`, attribute }, required);
  }

  /** Resolves a raw value (string, number, boolean) found at `site`. */
  value(raw: unknown, site: ValueSite, required = false): string | undefined {
    if (raw === undefined || raw === null) {
      if (required) throw new IdentityStackError(`${site.resource}.${site.attribute}: missing; the identity stack must set it`);
      return undefined;
    }
    if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
    if (typeof raw !== 'string') throw new IdentityStackError(`${site.resource}.${site.attribute}: got ${JSON.stringify(raw)}; expected a string`);
    const resolved = this.resolver.resolveString(raw, site);
    if (typeof resolved === 'object' && resolved !== null) throw new UnresolvedReferenceError(site.resource, site.attribute, raw, 'expected a single value');
    return String(resolved);
  }

  /** A list of strings (each element may hold references). */
  strings(raw: unknown, site: ValueSite): string[] {
    if (raw === undefined || raw === null) return [];
    if (typeof raw === 'string') {
      // A whole-list reference such as "${var.audiences}" cannot be expanded here.
      if (/^\$\{[^}]*\}$/.test(raw)) throw new UnresolvedReferenceError(site.resource, site.attribute, raw, 'expected a JSON list of strings');
      return [this.value(raw, site)!];
    }
    if (!Array.isArray(raw)) throw new IdentityStackError(`${site.resource}.${site.attribute}: got ${JSON.stringify(raw)}; expected a list of strings`);
    return raw.map((item, index) => this.value(item, { resource: site.resource, attribute: `${site.attribute}[${index}]` }, true)!);
  }

  /** A nested block written either as one object or as a list of objects (cdktf emits both). */
  blocks(raw: unknown): TfBody[] {
    if (raw === undefined || raw === null) return [];
    const list = Array.isArray(raw) ? raw : [raw];
    return list.filter((item): item is TfBody => item !== null && typeof item === 'object' && !Array.isArray(item));
  }

  /** The logical name of the application an `application_id` (or `client_id`) value points at. */
  applicationNamed(value: string, site: ValueSite): string {
    for (const type of APPLICATION_TYPES) {
      for (const [name] of this.list(type)) {
        const objectId = this.objectId(name);
        if (value === `/applications/${objectId}` || value === objectId || value === this.clientId(name)) return name;
      }
    }
    throw new UnresolvedReferenceError(
      site.resource,
      site.attribute,
      value,
      'expected a reference to an azuread_application of this stack (.id, .object_id or .client_id)',
    );
  }

  /** Attributes Entra computes at apply time; undefined leaves the reference to the resolver's literal lookup. */
  private computed(ref: AttributeReference): string | undefined {
    if (ref.data || !this.body(ref.type, ref.name)) return undefined;
    const isApplication = (APPLICATION_TYPES as readonly string[]).includes(ref.type);
    if (isApplication) {
      if (ref.attribute === 'client_id' || ref.attribute === 'application_id') return this.clientId(ref.name);
      if (ref.attribute === 'object_id') return this.objectId(ref.name);
      if (ref.attribute === 'id') return `/applications/${this.objectId(ref.name)}`;
      if (ref.attribute === 'app_role_ids' && ref.key !== undefined) return this.roleId(ref.name, ref.key);
      if (ref.attribute === 'oauth2_permission_scope_ids' && ref.key !== undefined) return this.scopeId(ref.name, ref.key);
    }
    if (ref.type === 'azuread_service_principal') {
      if (ref.attribute === 'object_id') return this.objectId(ref.name);
      if (ref.attribute === 'id') return `/servicePrincipals/${this.objectId(ref.name)}`;
      if (ref.attribute === 'application_id') return this.string(ref.type, ref.name, 'client_id', true);
      if (ref.attribute === 'app_role_ids' && ref.key !== undefined) {
        const site = { resource: `${ref.type}.${ref.name}`, attribute: 'client_id' };
        return this.roleId(this.applicationNamed(this.string(ref.type, ref.name, 'client_id', true), site), ref.key);
      }
    }
    return undefined;
  }

  private roleId(appName: string, value: string): string | undefined {
    return this.rolesOf(appName).find((role) => role.value === value)?.id;
  }

  private scopeId(appName: string, value: string): string | undefined {
    const app = this.appBody(appName);
    const scopes = this.blocks(app?.body['api']).flatMap((api) => this.blocks(api['oauth2_permission_scope']));
    const scope = scopes.find((candidate) => candidate['value'] === value);
    return scope === undefined ? undefined : this.value(scope['id'], { resource: `${app!.type}.${appName}`, attribute: 'api.oauth2_permission_scope.id' });
  }

  /** App roles declared inline (app_role blocks) and as azuread_application_app_role resources. */
  rolesOf(appName: string): { id: string; value: string; allowedMemberTypes: string[]; enabled: boolean }[] {
    const app = this.appBody(appName);
    if (!app) return [];
    const site = (attribute: string) => ({ resource: `${app.type}.${appName}`, attribute });
    const inline = this.blocks(app.body['app_role']).map((role) => ({
      id: this.value(role['id'], site('app_role.id'), true)!,
      value: this.value(role['value'], site('app_role.value'), true)!,
      allowedMemberTypes: this.strings(role['allowed_member_types'], site('app_role.allowed_member_types')),
      enabled: role['enabled'] !== false,
    }));
    const separate = this.list('azuread_application_app_role')
      .filter(
        ([, body]) =>
          this.applicationNamed(
            this.value(body['application_id'], { resource: 'azuread_application_app_role', attribute: 'application_id' }, true)!,
            site('id'),
          ) === appName,
      )
      .map(([name, body]) => {
        const at = (attribute: string) => ({ resource: `azuread_application_app_role.${name}`, attribute });
        return {
          id: this.value(body['role_id'], at('role_id'), true)!,
          value: this.value(body['value'], at('value'), true)!,
          allowedMemberTypes: this.strings(body['allowed_member_types'], at('allowed_member_types')),
          enabled: true,
        };
      });
    return [...inline, ...separate];
  }

  private appBody(name: string): { type: string; body: TfBody } | undefined {
    for (const type of APPLICATION_TYPES) {
      const body = this.body(type, name);
      if (body) return { type, body };
    }
    return undefined;
  }
}
