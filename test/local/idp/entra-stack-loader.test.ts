import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify, createRemoteJWKSet } from 'jose';
import { resolveCloud, stableUuid, tokenContract } from '../../../src/contract';
import { GuardError } from '../../../src/errors';
import {
  IdentityStackError,
  loadIdentityStack,
  readIdentityStack,
  startEntra,
  UnresolvedReferenceError,
  type ApplicationSummary,
} from '../../../src/local/entra';
import { GITHUB_ISSUER } from '../../../src/contract';
import { startGithubOidc } from '../../../src/local/github';
import { synthesizeProject } from '../../../stacks/synth';
import { assertionForm, decodePayload, FEDERATION_AUDIENCE, postToken, TENANT } from './helpers';

const FIXTURE = join(__dirname, 'fixtures', 'identity.cdk.tf.json');
/** The real identity stack, synthesized from this repository's default config into a temp folder. */
function synthesizedIdentityStack(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'idp-synth-'));
  const result = synthesizeProject(join(__dirname, '..', '..', '..'), {}, outdir);
  return join(result.stacks.find((s) => s.name === 'identity')!.workingDirectory, 'cdk.tf.json');
}
const API = 'api_application_1A2B3C4D';
const CALLER = 'caller_application_5E6F7A8B';

function fixture(): Record<string, any> {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, any>;
}

function errorOf(run: () => unknown): GuardError {
  try {
    run();
  } catch (error) {
    return error as GuardError;
  }
  throw new Error('expected an error');
}

describe('loading a synthesized identity stack (cdk.tf.json)', () => {
  test('ids are stableUuid(tenant, logicalName, client|object) and references resolve, incl. api://${client_id}', () => {
    const { summary } = loadIdentityStack(fixture(), { tenantId: TENANT });
    const api = summary.apis.find((app) => app.logicalName === API)!;
    const clientId = stableUuid(TENANT, API, 'client');
    expect(api).toMatchObject({
      displayName: 'orders-api',
      clientId,
      objectId: stableUuid(TENANT, API, 'object'),
      identifierUris: [`api://${clientId}`],
      tokenVersion: 2,
      appRoles: ['Orders.Deploy'],
      appRoleAssignmentRequired: true,
    });
    expect(api.servicePrincipalObjectId).toBe(stableUuid(TENANT, 'api_service-principal_4A5B6C7D', 'object'));
    expect(loadIdentityStack(fixture(), { tenantId: TENANT }).summary.apis).toEqual(summary.apis);
  });

  test('optional_claims { access_token { name = "idtyp" } } reaches the directory (tokens carry idtyp only then)', () => {
    const stack = fixture();
    expect(
      loadIdentityStack(stack, { tenantId: TENANT }).directory.tenants[TENANT]!.applications!.find((app) => app.displayName === 'orders-api')!.optionalClaims,
    ).toEqual({ accessToken: [] });
    stack['resource']['azuread_application'][API]['optional_claims'] = [{ access_token: [{ name: 'idtyp' }] }];
    expect(
      loadIdentityStack(stack, { tenantId: TENANT }).directory.tenants[TENANT]!.applications!.find((app) => app.displayName === 'orders-api')!.optionalClaims,
    ).toEqual({ accessToken: ['idtyp'] });
  });

  test('nested blocks are read whether written as an object or a list of objects (api, app_role)', () => {
    const { summary, directory } = loadIdentityStack(fixture(), { tenantId: TENANT });
    const legacy = summary.apis.find((app) => app.logicalName === 'legacy_application_9F8E7D6C')!;
    expect(legacy).toMatchObject({ identifierUris: ['api://legacy-api'], tokenVersion: 1, appRoles: ['Legacy.Call', 'Legacy.Admin'] });
    const apiSpec = directory.tenants[TENANT]!.applications!.find((app) => app.displayName === 'orders-api')!;
    expect(apiSpec.oauth2Scopes).toEqual([{ id: '5b0c8f3e-2a41-5d7e-9f60-1c2d3e4f5a6b', value: 'Orders.Read' }]);
  });

  test('callers carry their federated credentials (exact and flexible), variable defaults and role assignments', () => {
    const { summary, directory } = loadIdentityStack(fixture(), { tenantId: TENANT });
    const caller = summary.callers.find((app) => app.logicalName === CALLER)!;
    expect(caller.displayName).toBe('orders-deployer');
    expect(caller.federatedCredentials).toEqual([
      {
        name: 'github-environment-production',
        issuer: GITHUB_ISSUER,
        subject: 'repo:octo-org/orders-api:environment:production',
        audiences: [FEDERATION_AUDIENCE],
      },
      {
        name: 'github-release-tags',
        issuer: GITHUB_ISSUER,
        claimsMatchingExpression: "claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/tags/v*'",
        audiences: [FEDERATION_AUDIENCE],
      },
    ]);
    expect(directory.tenants[TENANT]!.appRoleAssignments).toEqual([
      {
        appRoleId: '9d3c2b1a-0f9e-58d7-a6b5-c4d3e2f1a0b9',
        principalObjectId: stableUuid(TENANT, 'caller_service-principal_8E9F0A1B', 'object'),
        resourceObjectId: stableUuid(TENANT, 'api_service-principal_4A5B6C7D', 'object'),
      },
      {
        appRoleId: '1e2d3c4b-5a69-5788-9a0b-c1d2e3f4a5b6',
        principalObjectId: stableUuid(TENANT, 'caller_service-principal_8E9F0A1B', 'object'),
        resourceObjectId: stableUuid(TENANT, 'legacy_service-principal_7D8E9F0A', 'object'),
      },
    ]);
    expect(summary.passwords).toEqual([{ logicalName: 'caller_password_5D6E7F80', clientId: caller.clientId, value: expect.any(String) }]);
  });

  test('the loaded directory serves a real exchange: GitHub production token → v2 token with the assigned role', async () => {
    // The fixture trusts name-only subjects: a repository from before 2026-07-15.
    const github = await startGithubOidc({ claims: { environment: 'production', immutableSubject: false } });
    const { directory, summary } = loadIdentityStack(fixture(), { tenantId: TENANT, issuerMap: { [GITHUB_ISSUER]: github.issuer } });
    const entra = await startEntra({ directory });
    try {
      const api = summary.apis.find((app) => app.logicalName === API)!;
      const caller = summary.callers[0]!;
      const contract = tokenContract({
        tenantId: TENANT,
        tokenVersion: api.tokenVersion,
        cloud: resolveCloud('local', entra.url),
        apiClientId: api.clientId,
        identifierUri: api.identifierUris[0]!,
      });
      const { status, body } = await postToken(
        entra.url,
        TENANT,
        assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE), contract.scope, caller.clientId),
      );
      expect(status).toBe(200);
      const { payload } = await jwtVerify(String(body['access_token']), createRemoteJWKSet(new URL(contract.jwksUri)), {
        issuer: contract.issuer,
        audience: [...contract.audiences],
      });
      expect(payload).toMatchObject({ azp: caller.clientId, roles: ['Orders.Deploy'], oid: stableUuid(TENANT, 'caller_service-principal_8E9F0A1B', 'object') });

      const secret = summary.passwords[0]!.value;
      const legacy = await postToken(entra.url, TENANT, {
        client_id: caller.clientId,
        client_secret: secret,
        scope: 'api://legacy-api/.default',
        grant_type: 'client_credentials',
      });
      expect(decodePayload(String(legacy.body['access_token']))).toMatchObject({ aud: 'api://legacy-api', ver: '1.0', roles: ['Legacy.Call'] });
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('an unresolvable reference is one error naming the resource, the attribute and the expression', () => {
    const stack = fixture();
    stack['resource']['azuread_service_principal']['api_service-principal_4A5B6C7D']['client_id'] = '${azuread_application.missing_app.client_id}';
    const error = errorOf(() => loadIdentityStack(stack, { tenantId: TENANT }));
    expect(error).toBeInstanceOf(UnresolvedReferenceError);
    expect(error.code).toBe('ERR_UNRESOLVED_REFERENCE');
    expect(error.message).toMatch(
      /^azuread_service_principal\.api_service-principal_4A5B6C7D\.client_id: cannot resolve "\$\{azuread_application\.missing_app\.client_id\}" \(no azuread_application\.missing_app in the stack\)$/,
    );
    expect(error.message).not.toContain('\n');
  });

  test.each([
    ['a variable without a value', '${var.nobody}', 'no variable "nobody" is declared in the stack'],
    ['a Terraform function call', '${lower(var.caller_name)}', 'expected a literal, var.<name>'],
  ])('rejects %s with the same error', (_case, expression, expected) => {
    const stack = fixture();
    stack['resource']['azuread_application'][CALLER]['display_name'] = expression;
    const error = errorOf(() => loadIdentityStack(stack, { tenantId: TENANT }));
    expect(error.code).toBe('ERR_UNRESOLVED_REFERENCE');
    expect(error.message).toContain(`azuread_application.${CALLER}.display_name: cannot resolve ${JSON.stringify(expression)}`);
    expect(error.message).toContain(expected);
  });

  test('variables passed in win over defaults; a bad tenant id or file is a clear error', async () => {
    expect(loadIdentityStack(fixture(), { tenantId: TENANT, variables: { caller_name: 'other' } }).summary.callers[0]!.displayName).toBe('other');
    expect(() => loadIdentityStack(fixture(), { tenantId: 'contoso.onmicrosoft.com' })).toThrow('tenantId: got "contoso.onmicrosoft.com"');
    await expect(readIdentityStack(join(__dirname, 'fixtures', 'absent.json'), { tenantId: TENANT })).rejects.toBeInstanceOf(IdentityStackError);
    expect((await readIdentityStack(FIXTURE, { tenantId: TENANT })).summary.apis).toHaveLength(2);
  });
});

test('the real identity stack synth output loads and serves an exchange for its pipeline subjects, and for its decoy API', async () => {
  const github = await startGithubOidc();
  const { directory, summary } = await readIdentityStack(synthesizedIdentityStack(), { tenantId: TENANT, issuerMap: { [GITHUB_ISSUER]: github.issuer } });
  const entra = await startEntra({ directory });
  try {
    // The API and the decoy the gate's wrong-audience probe mints a token for (decoyAudience, on by default).
    expect(summary.apis.map((app) => app.displayName)).toEqual(['orders-api', 'orders-api-decoy']);
    const [api, decoy] = summary.apis as [ApplicationSummary, ApplicationSummary];
    const caller = summary.callers[0]!;
    expect(api.identifierUris).toEqual([`api://${api.clientId}`]);
    const subject = caller.federatedCredentials.find((credential) => 'subject' in credential);
    expect(subject).toBeDefined();
    const token = await github.mintIdToken(FEDERATION_AUDIENCE, { sub: (subject as { subject: string }).subject });
    const { status, body } = await postToken(entra.url, TENANT, assertionForm(token, `${api.identifierUris[0]!}/.default`, caller.clientId));
    expect(status).toBe(200);
    expect(decodePayload(String(body['access_token']))).toMatchObject({
      aud: api.tokenVersion === 2 ? api.clientId : api.identifierUris[0],
      roles: api.appRoles,
    });
    const decoyToken = await postToken(
      entra.url,
      TENANT,
      assertionForm(
        await github.mintIdToken(FEDERATION_AUDIENCE, { sub: (subject as { subject: string }).subject }),
        `${decoy.identifierUris[0]!}/.default`,
        caller.clientId,
      ),
    );
    expect(decoyToken.status).toBe(200);
    const decoyClaims = decodePayload(String(decoyToken.body['access_token']));
    expect(decoyClaims).toMatchObject({ aud: decoy.clientId, roles: ['Gate.Decoy'] });
    // Only aud differs: same issuer (token version) as the API's tokens.
    expect(decoyClaims['iss']).toBe(decodePayload(String(body['access_token']))['iss']);
  } finally {
    await Promise.all([github.close(), entra.close()]);
  }
});
