// Issue [4] items 5 and 6: flexible credentials and Entra's credential limits, checked by one set of
// rules in src/contract — the construct at synth, the Entra emulator when it loads a stack — and the
// exchange over real HTTP against the emulators.
import { EntraApiApplication, GithubPipelineCaller, type FlexibleCredentialSpec } from '../../../src/constructs';
import { GITHUB_ISSUER, parseClaimsMatchingExpression, resolveCloud } from '../../../src/contract';
import { InvalidInputError } from '../../../src/errors';
import { loadIdentityStack, startEntra, type EntraEmulator } from '../../../src/local/entra';
import { startGithubOidc, type GithubOidcEmulator } from '../../../src/local/github';
import { synthStack, type TerraformJson } from '../../support/synth';
import { assertionForm, FEDERATION_AUDIENCE, postToken, TENANT } from './helpers';

const MAIN = 'repo:octo-org/orders-api:ref:refs/heads/main';
/** The subject of every token in this file: a name-only repository, branch feature-7. */
const FEATURE = 'repo:octo-org/orders-api:ref:refs/heads/feature-7';

function identityStack(subjects: readonly string[], flexibleCredentials: readonly FlexibleCredentialSpec[] = [], issuer?: string): TerraformJson {
  return synthStack((stack) => {
    const api = new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: TENANT, cloud: resolveCloud('public') });
    new GithubPipelineCaller(stack, 'caller', { displayName: 'orders-pipeline', api, subjects, flexibleCredentials, ...(issuer ? { issuer } : {}) });
  }).tf;
}

let github: GithubOidcEmulator;
let entra: EntraEmulator;
beforeAll(async () => {
  github = await startGithubOidc({
    claims: {
      ref: 'refs/heads/feature-7',
      immutableSubject: false,
      calledWorkflow: { repository: 'octo-org/shared', path: '.github/workflows/deploy.yml', ref: 'refs/heads/main' },
    },
  });
  entra = await startEntra();
});
afterAll(async () => Promise.all([github.close(), entra.close()]));

/** Loads a stack into a fresh tenant of the running emulator and exchanges one GitHub token over HTTP. */
async function exchangeWith(stack: TerraformJson): Promise<{ status: number; code?: number }> {
  const loaded = loadIdentityStack(stack, { tenantId: TENANT, issuerMap: { [GITHUB_ISSUER]: github.issuer } });
  entra.directory.load(loaded.directory);
  const answer = await postToken(
    entra.url,
    TENANT,
    assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE), `${loaded.summary.apis[0]!.identifierUris[0]}/.default`, loaded.summary.callers[0]!.clientId),
  );
  return { status: answer.status, ...(answer.status !== 200 ? { code: (answer.body['error_codes'] as number[])[0] } : {}) };
}

describe('flexible federated credentials: one grammar for the construct and the emulator (item 5)', () => {
  test.each([
    ["claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/heads/*'", 200],
    ["claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/heads/feature-?'", 200],
    ["claims['sub'] eq 'repo:octo-org/orders-api:ref:refs/heads/feature-7'", 200],
    ["claims['sub'] eq 'repo:octo-org/orders-api:ref:refs/heads/*'", 700213],
    ["claims['sub'] matches 'repo:Octo-Org/orders-api:*'", 700213],
    ["claims['sub'] matches 'repo:octo-org/*' and claims['job_workflow_ref'] matches 'octo-org/shared/.github/workflows/deploy.yml@*'", 200],
    ["claims['sub'] matches 'repo:octo-org/*' and claims['job_workflow_ref'] matches 'octo-org/orders-api/*'", 700213],
  ])('synthesized and exchanged over HTTP: %s → %s', async (expression, expected) => {
    const result = await exchangeWith(identityStack([MAIN], [{ name: 'flexible', claimsMatchingExpression: expression }]));
    expect(result.code ?? result.status).toBe(expected);
  });

  const refused: [string, string][] = [
    ["claims['sub'] like 'repo:*'", 'the operator matches or eq; got "like"'],
    ["claims['sub'] matches 'a' or claims['sub'] matches 'b'", '" and " between conditions at character 26'],
    ["claims['sub']  matches 'a'", 'each part separated by one space'],
    ["claims['sub'] matches 'a' and  claims['sub'] matches 'b'", "claims['<claim>'] <operator> '<comparand>' at character 31"],
    ["claims['repository'] eq 'octo-org/orders-api'", 'conditions on sub or job_workflow_ref only for issuer'],
    ["claims['sub'] matches ''", "a non-empty comparand for claims['sub']"],
    ['claims[‘sub’] matches ‘repo:*’', 'straight single quotes'],
    ["xclaims['sub'] matches 'repo:*'", 'at character 1'],
    // The construct's old check was an unanchored regex: anything around one valid condition passed.
    ["claims['sub'] matches 'repo:octo-org/*' or true", '" and " between conditions'],
  ];

  test.each(refused)('refused at synth and by the emulator on load: %s', (expression, why) => {
    expect(() => identityStack([MAIN], [{ name: 'flexible', claimsMatchingExpression: expression }])).toThrow(why);
    const stack = identityStack([MAIN], [{ name: 'flexible', claimsMatchingExpression: "claims['sub'] matches 'repo:*'" }]);
    const flexible = stack.resource['azuread_application_flexible_federated_identity_credential']!;
    for (const body of Object.values(flexible)) body['claims_matching_expression'] = expression;
    expect(() => loadIdentityStack(stack, { tenantId: TENANT })).toThrow(why);
    const spec = { name: 'flexible', issuer: github.issuer, audiences: [FEDERATION_AUDIENCE], claimsMatchingExpression: expression };
    expect(() =>
      entra.directory.addTenant(TENANT, {
        applications: [
          {
            displayName: 'x',
            clientId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
            objectId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
            federatedCredentials: [spec],
          },
        ],
      }),
    ).toThrow(why);
  });

  test.each([
    ['https://token.actions.githubusercontent.com/octo-enterprise', "GitHub's public issuer"],
    ['https://github.example.com/_services/token', "GitHub's public issuer"],
  ])("only GitHub's public issuer takes flexible credentials: %s is refused at synth and on load", (issuer, why) => {
    const flexible = [{ name: 'flexible', claimsMatchingExpression: "claims['sub'] matches 'repo:*'" }];
    expect(() => identityStack([MAIN], flexible, issuer)).toThrow(why);
    const stack = identityStack([MAIN], flexible);
    for (const body of Object.values(stack.resource['azuread_application_flexible_federated_identity_credential']!)) body['issuer'] = issuer;
    expect(() => loadIdentityStack(stack, { tenantId: TENANT })).toThrow(why);
  });

  test('job_workflow_ref only for GitHub: GitLab and Terraform Cloud test sub alone', () => {
    const both = "claims['sub'] matches 'project_path:group/*' and claims['job_workflow_ref'] matches '*'";
    expect(() => parseClaimsMatchingExpression(both, { issuer: 'https://gitlab.com' })).toThrow(
      "conditions on sub only for issuer https://gitlab.com; got claims['job_workflow_ref']",
    );
    expect(parseClaimsMatchingExpression("claims['sub'] matches 'organization:o:project:*'", { issuer: 'https://app.terraform.io' })).toEqual([
      { claim: 'sub', operator: 'matches', value: 'organization:o:project:*' },
    ]);
    expect(() => parseClaimsMatchingExpression("claims['sub'] eq 'x'", { issuer: 'https://sts.windows.net/t/' })).toThrow(InvalidInputError);
  });
});

describe('federated credential limits, as Entra enforces them (item 6)', () => {
  const subjects = (n: number) => Array.from({ length: n }, (_, i) => `repo:octo-org/orders-api:environment:e${i}`);

  test('20 credentials load and exchange; a 21st is refused at synth and on load, leaving the directory as it was', async () => {
    expect((await exchangeWith(identityStack([...subjects(19), FEATURE]))).status).toBe(200);
    expect(() => identityStack([...subjects(20), FEATURE])).toThrow('at most 20 federated credentials per app');
    const stack = identityStack([...subjects(19), FEATURE]);
    const credentials = stack.resource['azuread_application_federated_identity_credential']!;
    const [name, body] = Object.entries(credentials)[0]!;
    credentials[`${name}-copy`] = { ...body, display_name: 'the-21st', subject: 'repo:octo-org/orders-api:environment:e99' };
    expect(() => loadIdentityStack(stack, { tenantId: TENANT })).toThrow(
      /azuread_application\.caller_application_\w+\.federatedCredentials: got "21 credentials"; expected at most 20/,
    );
    // Nothing was half loaded: the same tenant still answers.
    expect((await exchangeWith(identityStack([...subjects(19), FEATURE]))).status).toBe(200);
  });

  test('one audience per credential: two are refused on load', () => {
    const stack = identityStack([MAIN]);
    for (const body of Object.values(stack.resource['azuread_application_federated_identity_credential']!))
      body['audiences'] = [FEDERATION_AUDIENCE, 'api://AzureADTokenExchangeUSGov'];
    expect(() => loadIdentityStack(stack, { tenantId: TENANT })).toThrow(
      '.audiences: got ["api://AzureADTokenExchange","api://AzureADTokenExchangeUSGov"]; expected exactly one audience',
    );
  });

  test('issuer + subject unique: refused at synth, on load, and when a credential is added at run time', () => {
    expect(() => identityStack([MAIN, MAIN])).toThrow('expected each subject once');
    const stack = identityStack([MAIN]);
    const credentials = stack.resource['azuread_application_federated_identity_credential']!;
    const [name, body] = Object.entries(credentials)[0]!;
    credentials[`${name}-copy`] = { ...body, display_name: 'same-subject' };
    expect(() => loadIdentityStack(stack, { tenantId: TENANT })).toThrow('issuer + subject must be unique');
    const loaded = loadIdentityStack(identityStack([MAIN]), { tenantId: TENANT, issuerMap: { [GITHUB_ISSUER]: github.issuer } });
    entra.directory.load(loaded.directory);
    const caller = loaded.summary.callers[0]!.clientId;
    expect(() =>
      entra.directory.addFederatedCredential(TENANT, caller, { name: 'again', issuer: github.issuer, subject: MAIN, audiences: [FEDERATION_AUDIENCE] }),
    ).toThrow('issuer + subject must be unique');
    expect(() =>
      entra.directory.addFederatedCredential(TENANT, caller, {
        name: 'two-audiences',
        issuer: github.issuer,
        subject: `${MAIN}x`,
        audiences: [FEDERATION_AUDIENCE, 'x'],
      }),
    ).toThrow('exactly one audience');
  });

  test('the same expression twice for one issuer is refused at synth', () => {
    const expression = "claims['sub'] matches 'repo:octo-org/*'";
    expect(() =>
      identityStack(
        [MAIN],
        [
          { name: 'one', claimsMatchingExpression: expression },
          { name: 'two', claimsMatchingExpression: expression },
        ],
      ),
    ).toThrow('issuer + expression must be unique');
  });
});
