import { Testing } from 'cdktf';
import { EntraApiApplication, GithubPipelineCaller, credentialName } from '../../src/constructs';
import { resolveCloud, stableUuid } from '../../src/contract';
import { resourcesOf, synthStack } from '../support/synth';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const MAIN = 'repo:octo-org/orders-api:ref:refs/heads/main';
const PROD = 'repo:octo-org/orders-api:environment:production';

function build(props: Partial<ConstructorParameters<typeof GithubPipelineCaller>[2]> = {}, cloud = resolveCloud('public')) {
  return synthStack((stack) => {
    const api = new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: TENANT, cloud });
    new GithubPipelineCaller(stack, 'caller', { displayName: 'orders-pipeline', api, subjects: [MAIN, PROD], ...props });
  });
}

describe('GithubPipelineCaller', () => {
  test('one federated credential per subject, GitHub issuer, public-cloud audience', () => {
    const { tf } = build();
    const credentials = resourcesOf(tf, 'azuread_application_federated_identity_credential');
    expect(credentials).toHaveLength(2);
    expect(credentials.map((c) => c.subject).sort()).toEqual([PROD, MAIN]);
    for (const c of credentials) {
      expect(c.issuer).toBe('https://token.actions.githubusercontent.com');
      expect(c.audiences).toEqual(['api://AzureADTokenExchange']);
      expect(c.application_id).toMatch(/^\$\{azuread_application\.caller_application_[0-9A-F]+\.id\}$/);
    }
  });

  test('the credential audience follows the cloud', () => {
    const credentials = resourcesOf(build({}, resolveCloud('usgov')).tf, 'azuread_application_federated_identity_credential');
    expect(credentials[0]!.audiences).toEqual(['api://AzureADTokenExchangeUSGov']);
  });

  test('assigns the API role to the caller service principal', () => {
    const { json } = build();
    expect(Testing.toHaveResourceWithProperties(json, 'azuread_app_role_assignment', { app_role_id: stableUuid('orders-api', 'role', 'Gate.Invoke') })).toBe(
      true,
    );
    const [assignment] = resourcesOf(JSON.parse(json), 'azuread_app_role_assignment');
    expect(assignment!.principal_object_id).toMatch(/caller_service-principal_[0-9A-F]+\.object_id/);
    expect(assignment!.resource_object_id).toMatch(/api_service-principal_[0-9A-F]+\.object_id/);
  });

  test('flexible credentials carry the claims-matching expression', () => {
    const expression = "claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/heads/*'";
    const { json } = build({ subjects: [MAIN], flexibleCredentials: [{ name: 'all-branches', claimsMatchingExpression: expression }] });
    expect(
      Testing.toHaveResourceWithProperties(json, 'azuread_application_flexible_federated_identity_credential', {
        display_name: 'all-branches',
        audience: 'api://AzureADTokenExchange',
        claims_matching_expression: expression,
      }),
    ).toBe(true);
  });

  test('custom issuer (GHES / enterprise) is used as given', () => {
    const credentials = resourcesOf(build({ issuer: 'https://github.example.com/_services/token' }).tf, 'azuread_application_federated_identity_credential');
    expect(credentials[0]!.issuer).toBe('https://github.example.com/_services/token');
  });

  test('credential names are stable, unique and readable', () => {
    expect(credentialName(MAIN)).toBe(credentialName(MAIN));
    expect(credentialName(MAIN)).toMatch(/^github-ref-refs-heads-main-[0-9a-f]{8}$/);
    expect(credentialName(MAIN)).not.toBe(credentialName(PROD));
  });

  test.each([
    [{ subjects: [] }, 'caller.subjects: got []; expected at least one GitHub subject'],
    [{ subjects: [MAIN, MAIN] }, 'caller.subjects[1]: got "repo:octo-org/orders-api:ref:refs/heads/main"; expected each subject once'],
    [{ subjects: ['main'] }, 'caller.subjects[0]: got "main"; expected a GitHub subject'],
    [{ subjects: Array.from({ length: 21 }, (_, i) => `repo:o/r:environment:e${i}`) }, 'caller.subjects: got "21 credentials"; expected at most 20'],
    [{ role: 'Admin' }, 'role: got "Admin"'],
    [{ flexibleCredentials: [{ name: 'x', claimsMatchingExpression: "claims['sub'] eq 'a'" }] }, 'caller.flexibleCredentials[0].name: got "x"'],
    [{ flexibleCredentials: [{ name: 'any', claimsMatchingExpression: 'sub = *' }] }, 'claimsMatchingExpression: got "sub = *"'],
  ])('validation: %#', (props, message) => {
    expect(() => build(props as never)).toThrow(message);
  });
});
