import { Testing } from 'cdktf';
import { EntraApiApplication } from '../../src/constructs';
import { resolveCloud, stableUuid } from '../../src/contract';
import { resourcesOf, synthStack } from '../support/synth';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('EntraApiApplication', () => {
  test('defaults: v2 tokens, api://<client id>, one app-only role, assignment required', () => {
    // GIVEN / WHEN
    let api!: EntraApiApplication;
    const { json, tf } = synthStack((stack) => {
      api = new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: TENANT });
    });
    // THEN
    expect(
      Testing.toHaveResourceWithProperties(json, 'azuread_application', {
        display_name: 'orders-api',
        api: { requested_access_token_version: 2 },
        app_role: [{ id: stableUuid('orders-api', 'role', 'Gate.Invoke'), value: 'Gate.Invoke', allowed_member_types: ['Application'], enabled: true }],
      }),
    ).toBe(true);
    const [uri] = resourcesOf(tf, 'azuread_application_identifier_uri');
    expect(uri!.identifier_uri).toMatch(/^api:\/\/\$\{azuread_application\.api_application_[0-9A-F]+\.client_id\}$/);
    expect(uri!.application_id).toMatch(/^\$\{azuread_application\.api_application_[0-9A-F]+\.id\}$/);
    expect(Testing.toHaveResourceWithProperties(json, 'azuread_service_principal', { app_role_assignment_required: true })).toBe(true);
    expect(api.contract.issuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(api.trust.audiences).toEqual([api.clientId]);
  });

  test('v1: issuer on sts.windows.net and the App ID URI as audience', () => {
    let api!: EntraApiApplication;
    synthStack((stack) => {
      api = new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: TENANT, tokenVersion: 1, identifierUri: 'api://orders' });
    });
    expect(api.trust).toEqual({ issuer: `https://sts.windows.net/${TENANT}/`, audiences: ['api://orders'] });
    expect(api.contract.scope).toBe('api://orders/.default');
  });

  test('role and scope ids are derived from names and stable across synths', () => {
    const build = () =>
      synthStack((stack) => {
        new EntraApiApplication(stack, 'api', {
          displayName: 'orders-api',
          tenantId: TENANT,
          appRoles: [{ value: 'Orders.Read' }, { value: 'Orders.Write', allowedMemberTypes: ['Application', 'User'] }],
          scopes: [{ value: 'user_impersonation' }],
        });
      }).tf;
    const first = resourcesOf(build(), 'azuread_application')[0] as { app_role: { id: string }[]; api: { oauth2_permission_scope: { id: string }[] } };
    const second = resourcesOf(build(), 'azuread_application')[0] as typeof first;
    expect(first.app_role.map((r) => r.id)).toEqual(second.app_role.map((r) => r.id));
    expect(first.app_role[0]!.id).toBe(stableUuid('orders-api', 'role', 'Orders.Read'));
    expect(first.api.oauth2_permission_scope[0]!.id).toBe(stableUuid('orders-api', 'scope', 'user_impersonation'));
  });

  test('sovereign cloud flows into the contract', () => {
    let api!: EntraApiApplication;
    synthStack((stack) => {
      api = new EntraApiApplication(stack, 'api', {
        displayName: 'x',
        tenantId: TENANT,
        cloud: resolveCloud('china'),
        tokenVersion: 1,
        identifierUri: 'api://x',
      });
    });
    expect(api.contract.issuer).toBe(`https://sts.chinacloudapi.cn/${TENANT}/`);
  });

  test.each([
    [{ tenantId: 'contoso.com' }, 'tenantId: got "contoso.com"'],
    [{ identifierUri: 'orders' }, 'identifierUri: got "orders"; expected an App ID URI'],
    [{ tokenVersion: 3 }, 'api.tokenVersion: got 3; expected 1 or 2'],
    [{ appRoles: [{ value: 'Gate Invoke' }] }, 'api.appRoles: got "Gate Invoke"'],
    [{ appRoles: [{ value: 'read' }], scopes: [{ value: 'read' }] }, 'api.scopes: got "read"; expected a value used once across app roles and scopes'],
  ])('validation: %j', (override, message) => {
    expect(() =>
      synthStack((stack) => {
        new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: TENANT, ...(override as object) });
      }),
    ).toThrow(message);
  });

  test('appRoleId names the roles that exist when asked for a missing one', () => {
    synthStack((stack) => {
      const api = new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: TENANT });
      expect(() => api.appRoleId('Admin')).toThrow('role: got "Admin"; expected one of the API\'s app roles: Gate.Invoke');
    });
  });
});
