import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, type GuardConfigInput } from '../../stacks/config';
import { synthesize } from '../../stacks/synth';

const ROOT = join(__dirname, '../..');
const TENANT = '00000000-0000-4000-8000-000000000001';

function synth(overrides: Partial<GuardConfigInput> & Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'synth-test-'));
  const config = loadConfig({ cwd: ROOT, env: {}, overrides });
  const result = synthesize(config, outdir);
  const read = (name: string) => JSON.parse(readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
  return { result, identity: read('identity'), gateway: read('gateway'), outdir };
}

const values = (tf: any, type: string): any[] => Object.values(tf.resource[type] ?? {});

describe('npm run synth (default config from cdktf.json)', () => {
  const { result, identity, gateway } = synth();

  test('writes the cdktf synth layout: manifest.json and stacks/<name>/cdk.tf.json, gateway after identity', () => {
    expect(result.stacks.map((s) => s.name).sort()).toEqual(['gateway', 'identity']);
    expect(result.stacks.find((s) => s.name === 'gateway')!.dependencies).toEqual(['identity']);
  });

  test('v2 (default): the authorizer trusts the v2 issuer and the API client id', () => {
    const [authorizer] = values(gateway, 'aws_apigatewayv2_authorizer');
    expect(authorizer.jwt_configuration).toEqual({ issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, audience: ['${var.api_client_id}'] });
    expect(values(identity, 'azuread_application').find((a) => a.api)?.api.requested_access_token_version).toBe(2);
    expect(identity.output.api_client_id.value).toMatch(/^\$\{azuread_application\.api_application_[0-9A-F]+\.client_id\}$/);
  });

  test('every route not marked public requires the JWT authorizer', () => {
    const routes = values(gateway, 'aws_apigatewayv2_route');
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(route.authorization_type).toBe(route.route_key === 'GET /health' ? 'NONE' : 'JWT');
    }
  });

  test('federated credentials use api://AzureADTokenExchange and the configured subjects, in the immutable form (the ids are known)', () => {
    const credentials = values(identity, 'azuread_application_federated_identity_credential');
    expect(credentials.map((c) => c.subject).sort()).toEqual([
      'repo:octo-org@19186251/orders-api@892311047:environment:production',
      'repo:octo-org@19186251/orders-api@892311047:ref:refs/heads/main',
    ]);
    for (const c of credentials) expect(c.audiences).toEqual(['api://AzureADTokenExchange']);
  });

  test('no warnings for the default routes', () => {
    expect(result.stacks.flatMap((s) => s.warnings)).toEqual([]);
  });

  test('a decoy API in the same tenant (same token version), a role on it for the caller, and its scope as an output', () => {
    const apps = values(identity, 'azuread_application').filter((a) => a.api);
    expect(apps.map((a) => [a.display_name, a.api.requested_access_token_version])).toEqual([
      ['orders-api', 2],
      ['orders-api-decoy', 2],
    ]);
    const decoyName = Object.keys(identity.resource.azuread_application).find((name) => name.startsWith('decoy_'))!;
    const callerSp = Object.keys(identity.resource.azuread_service_principal).find((name) => name.startsWith('caller_'))!;
    expect(values(identity, 'azuread_app_role_assignment')).toContainEqual(
      expect.objectContaining({
        principal_object_id: `\${azuread_service_principal.${callerSp}.object_id}`,
        resource_object_id: expect.stringContaining('decoy_'),
      }),
    );
    expect(identity.output.decoy_scope.value).toBe(`api://\${azuread_application.${decoyName}.client_id}/.default`);
  });
});

test('decoyAudience: false leaves the decoy out', () => {
  const { identity } = synth({ decoyAudience: false });
  expect(values(identity, 'azuread_application').map((a) => a.display_name)).toEqual(['orders-api', 'orders-api-pipeline']);
  expect(identity.output.decoy_scope).toBeUndefined();
});

describe('token version drives issuer and audience together', () => {
  test('v1 with a named App ID URI: sts.windows.net issuer and the URI as audience', () => {
    const { gateway, identity } = synth({ tokenVersion: 1, identifierUri: 'api://orders-api' });
    const [authorizer] = values(gateway, 'aws_apigatewayv2_authorizer');
    expect(authorizer.jwt_configuration).toEqual({ issuer: `https://sts.windows.net/${TENANT}/`, audience: ['api://orders-api'] });
    expect(values(identity, 'azuread_application').find((a) => a.api)?.api.requested_access_token_version).toBe(1);
  });

  test('v1 with api://<client id>: the audience is built from the same variable', () => {
    const { gateway } = synth({ tokenVersion: 1 });
    expect(values(gateway, 'aws_apigatewayv2_authorizer')[0].jwt_configuration.audience).toEqual(['api://${var.api_client_id}']);
  });

  test('a known apiClientId becomes the variable default', () => {
    const { gateway } = synth({ apiClientId: '11111111-2222-3333-4444-555555555555' });
    expect(gateway.variable.api_client_id.default).toBe('11111111-2222-3333-4444-555555555555');
  });

  test('US Gov cloud: authority host in the issuer, USGov exchange audience', () => {
    const { gateway, identity } = synth({ cloud: 'usgov' });
    expect(values(gateway, 'aws_apigatewayv2_authorizer')[0].jwt_configuration.issuer).toBe(`https://login.microsoftonline.us/${TENANT}/v2.0`);
    expect(values(identity, 'azuread_application_federated_identity_credential')[0].audiences).toEqual(['api://AzureADTokenExchangeUSGov']);
    expect(identity.provider.azuread[0].environment).toBe('usgovernment');
  });

  test('local profile: loopback authority host for issuer, emulated GitHub issuer', () => {
    const { gateway, identity } = synth({
      profile: 'local',
      authorityHost: 'http://127.0.0.1:8400',
      caller: { repository: 'octo-org/orders-api', issuer: 'http://127.0.0.1:8401' },
    });
    expect(values(gateway, 'aws_apigatewayv2_authorizer')[0].jwt_configuration.issuer).toBe(`http://127.0.0.1:8400/${TENANT}/v2.0`);
    expect(values(identity, 'azuread_application_federated_identity_credential')[0].issuer).toBe('http://127.0.0.1:8401');
  });
});

describe('backends', () => {
  test('s3 with a lock file and per-stack keys', () => {
    const { gateway, identity } = synth({ backend: { type: 's3', bucket: 'tf-state', region: 'eu-west-1' } });
    expect(gateway.terraform.backend.s3).toMatchObject({
      bucket: 'tf-state',
      key: 'entra-api-guard/orders-api/gateway.tfstate',
      use_lockfile: true,
      encrypt: true,
    });
    expect(identity.terraform.backend.s3.key).toBe('entra-api-guard/orders-api/identity.tfstate');
  });

  test('azurerm with Entra auth', () => {
    const { gateway } = synth({ backend: { type: 'azurerm', storageAccountName: 'tfstate01', containerName: 'state' } });
    expect(gateway.terraform.backend.azurerm).toMatchObject({ storage_account_name: 'tfstate01', container_name: 'state', use_azuread_auth: true });
  });

  test('local state lives outside cdktf.out, relative to the stack folder', () => {
    const { gateway } = synth();
    expect(gateway.terraform.backend.local.path).toMatch(/\.terraform-state\/gateway\.tfstate$/);
    expect(gateway.terraform.backend.local.path.startsWith('/')).toBe(false);
  });

  test('an absolute local dir stays absolute (it was re-rooted under the project and left state in the checkout)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-state-'));
    const { gateway, identity } = synth({ backend: { type: 'local', dir } });
    expect(gateway.terraform.backend.local.path).toBe(join(dir, 'gateway.tfstate'));
    expect(identity.terraform.backend.local.path).toBe(join(dir, 'identity.tfstate'));
  });

  test('an absolute lambdaDir stays absolute too', () => {
    const { gateway } = synth({ integration: { lambdaDir: join(ROOT, 'stacks/lambda/hello') } });
    expect(values(gateway, 'aws_lambda_function')).toHaveLength(1);
  });
});

describe('immutable GitHub subjects (issue [4] item 1)', () => {
  const subjectsOf = (caller: Record<string, unknown>) => {
    const { identity, result } = synth({
      caller: { repository: 'octo-org/orders-api', subjects: ['branch:main', 'repo:octo-org/orders-api:pull_request'], ...caller },
    });
    return {
      subjects: values(identity, 'azuread_application_federated_identity_credential')
        .map((c) => c.subject)
        .sort(),
      warnings: result.stacks.flatMap((s) => s.warnings),
    };
  };

  test('with caller.ownerId and caller.repositoryId, shorthands build repo:OWNER@OWNER_ID/REPO@REPO_ID:…; full subjects stay as written', () => {
    const { subjects, warnings } = subjectsOf({ ownerId: '42', repositoryId: 4242 });
    expect(subjects).toEqual(['repo:octo-org/orders-api:pull_request', 'repo:octo-org@42/orders-api@4242:ref:refs/heads/main']);
    expect(warnings).toEqual([]);
  });

  test('without the ids: name-only subjects and a synth warning that names the fix', () => {
    const config = parseConfig({ tenantId: TENANT, caller: { repository: 'octo-org/orders-api' } }, ROOT);
    expect(config.subjects).toEqual(['repo:octo-org/orders-api:ref:refs/heads/main']);
    const outdir = mkdtempSync(join(tmpdir(), 'synth-test-'));
    const warnings = synthesize(config, outdir).stacks.flatMap((s) => s.warnings);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /caller\.subjects: built name-only subjects .*AADSTS700213\. Set caller\.ownerId and caller\.repositoryId \(the action fills them from GITHUB_REPOSITORY_OWNER_ID and GITHUB_REPOSITORY_ID\), or set caller\.subjectFormat to "names"/,
    );
  });

  test('caller.subjectFormat "names" keeps name-only subjects, without a warning, even with the ids', () => {
    const config = parseConfig({ tenantId: TENANT, caller: { repository: 'octo-org/orders-api', ownerId: 1, repositoryId: 2, subjectFormat: 'names' } }, ROOT);
    expect(config.subjects).toEqual(['repo:octo-org/orders-api:ref:refs/heads/main']);
    expect(config.warnings).toEqual([]);
  });

  test('the older caller.immutableIds spelling still works', () => {
    expect(parseConfig({ tenantId: TENANT, caller: { repository: 'o/r', immutableIds: { ownerId: 1, repositoryId: 2 } } }, ROOT).subjects).toEqual([
      'repo:o@1/r@2:ref:refs/heads/main',
    ]);
  });

  test.each([
    [{ ownerId: 1 }, 'config.caller.repositoryId: got nothing; expected it with caller.ownerId (GITHUB_REPOSITORY_ID in a workflow)'],
    [{ subjectFormat: 'immutable' }, 'config.caller.ownerId: got nothing; expected the numeric owner and repository ids'],
    [{ ownerId: 'octo', repositoryId: 2 }, 'config.caller.ownerId: got "octo"'],
    [
      { ownerId: 1, repositoryId: 2, immutableIds: { ownerId: 1, repositoryId: 2 } },
      'config.caller.immutableIds: got it together with caller.ownerId/repositoryId',
    ],
    [{ subjectFormat: 'ids' }, 'config.caller.subjectFormat: got "ids"; expected one of "immutable", "names"'],
  ])('refused: %j', (caller, message) => {
    expect(() => parseConfig({ tenantId: TENANT, caller: { repository: 'o/r', ...caller } }, ROOT)).toThrow(message);
  });
});

describe('config errors name the key, the value and the expected form', () => {
  const base = { tenantId: TENANT, caller: { repository: 'octo-org/orders-api' } };
  test.each([
    [{ ...base, tenantId: 'contoso' }, 'config.tenantId: got "contoso"; expected a GUID like'],
    [{ ...base, tokenVersion: 3 }, 'config.tokenVersion: got 3; expected 1 or 2'],
    [{ ...base, caller: { repository: 'orders' } }, 'config.caller.repository: got "orders"; expected owner/repo'],
    [{ ...base, caller: { repository: 'o/r', subjects: ['main'] } }, 'config.caller.subjects[0]: got "main"; expected branch:<name>'],
    [{ ...base, backend: { type: 'gcs' } }, 'config.backend.type: got "gcs"; expected one of "local", "s3", "azurerm"'],
    [{ ...base, tenantID: TENANT }, 'config.tenantID: unknown key'],
    [{ ...base, aws: { region: 'Frankfurt' } }, 'config.aws.region: got "Frankfurt"; expected an AWS region'],
    [{ caller: { repository: 'o/r' } }, 'config.tenantId: got nothing'],
  ])('%#', (raw, message) => {
    expect(() => parseConfig(raw, ROOT)).toThrow(message);
  });

  test('environment overrides and a config file layer over cdktf.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'guard.json');
    writeFileSync(file, JSON.stringify({ apiName: 'from-file', tokenVersion: 1, identifierUri: 'api://x' }));
    const config = loadConfig({ cwd: ROOT, env: { ENTRA_API_GUARD_CONFIG: file, ENTRA_API_GUARD_API_NAME: 'from-env' } });
    expect(config).toMatchObject({ apiName: 'from-env', tokenVersion: 1, tenantId: TENANT });
  });

  test('a config file that is not JSON is one clear line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(() => loadConfig({ cwd: ROOT, env: {}, configFile: join(dir, 'bad.json') })).toThrow(/^config file .*bad\.json: not valid JSON/);
  });
});
