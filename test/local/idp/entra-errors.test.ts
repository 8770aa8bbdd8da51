import { generateKeyPair, SignJWT } from 'jose';
import { startEntra, type EntraEmulator } from '../../../src/local/entra';
import { startGithubOidc, type GithubOidcEmulator } from '../../../src/local/github';
import {
  assertionForm,
  CALLER,
  CALLER_SECRET,
  directoryFor,
  FEDERATION_AUDIENCE,
  LOCKED_API,
  MAIN_SUBJECT,
  NO_SP_CALLER,
  ORDERS_API,
  ORPHAN_API,
  postToken,
  REPO,
  TENANT,
  LEGACY_API,
  decodePayload,
  type TokenAnswer,
} from './helpers';

let github: GithubOidcEmulator;
let stranger: GithubOidcEmulator;
let entra: EntraEmulator;

beforeAll(async () => {
  [github, stranger] = await Promise.all([startGithubOidc(), startGithubOidc()]);
  entra = await startEntra({ directory: directoryFor(github.issuer) });
});

afterAll(async () => {
  await Promise.all([github.close(), stranger.close(), entra.close()]);
});

/** Asserts Entra's error shape: status, error, error_codes and a description starting AADSTSnnnn: message. */
function expectAadsts(answer: TokenAnswer, status: number, error: string, code: number, messageStart: string): string {
  expect(answer.status).toBe(status);
  expect(answer.body['error']).toBe(error);
  expect(answer.body['error_codes']).toEqual([code]);
  const description = String(answer.body['error_description']);
  expect(description.startsWith(`AADSTS${code}: ${messageStart}`)).toBe(true);
  expect(description).toMatch(/\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(answer.body['trace_id']).toEqual(expect.any(String));
  expect(answer.body['timestamp']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  return description;
}

const assertion = (audience = FEDERATION_AUDIENCE, overrides: Record<string, unknown> = {}) => github.mintIdToken(audience, overrides);

describe('AADSTS errors in Entra shape (protocols.md §3)', () => {
  test('AADSTS90002: unknown tenant, at the token endpoint and at discovery', async () => {
    const other = '00000000-1111-4222-8333-444444444444';
    expectAadsts(await postToken(entra.url, other, assertionForm(await assertion())), 400, 'invalid_tenant', 90002, `Tenant '${other}' not found.`);
    const discovery = await fetch(`${entra.url}/${other}/v2.0/.well-known/openid-configuration`);
    expect(discovery.status).toBe(400);
    expect(((await discovery.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
  });

  test('AADSTS700016: client id not in the directory (unauthorized_client)', async () => {
    const unknown = '12345678-9abc-4def-8123-456789abcdef';
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(), undefined, unknown)),
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${unknown}' was not found in the directory 'Contoso Local'.`,
    );
  });

  test('AADSTS7000218: neither client_assertion nor client_secret (401 invalid_client)', async () => {
    const answer = await postToken(entra.url, TENANT, { client_id: CALLER.clientId, scope: `${ORDERS_API.uri}/.default`, grant_type: 'client_credentials' });
    expectAadsts(answer, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  });

  test('AADSTS7000215: wrong client secret', async () => {
    const answer = await postToken(entra.url, TENANT, {
      client_id: CALLER.clientId,
      client_secret: `${CALLER_SECRET}x`,
      scope: `${ORDERS_API.uri}/.default`,
      grant_type: 'client_credentials',
    });
    const description = expectAadsts(answer, 401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    expect(description).not.toContain(CALLER_SECRET);
  });

  test('AADSTS50027: a malformed assertion, and a tampered one, without echoing the token', async () => {
    expectAadsts(await postToken(entra.url, TENANT, assertionForm('not-a-jwt')), 400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
    const [header, , signature] = (await assertion()).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ iss: github.issuer, sub: MAIN_SUBJECT, aud: FEDERATION_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 }),
    ).toString('base64url');
    const forged = `${header!}.${forgedPayload}.${signature!}`;
    const answer = await postToken(entra.url, TENANT, assertionForm(forged));
    expect(expectAadsts(answer, 400, 'invalid_request', 50027, 'JWT token is invalid or malformed. The assertion signature does not verify')).not.toContain(
      forged,
    );
    expect(JSON.stringify(answer.body)).not.toContain(signature!);
  });

  test('AADSTS700211: no credential trusts the assertion issuer', async () => {
    const foreign = await stranger.mintIdToken(FEDERATION_AUDIENCE);
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(foreign)),
      401,
      'invalid_client',
      700211,
      `No matching federated identity record found for presented assertion issuer '${stranger.issuer}'.`,
    );
  });

  test('AADSTS700213: no credential for the subject (branch not trusted)', async () => {
    const subject = `${REPO}:ref:refs/heads/feature/x`;
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(undefined, { sub: subject }))),
      401,
      'invalid_client',
      700213,
      `No matching federated identity record found for presented assertion subject '${subject}'.`,
    );
  });

  test('AADSTS700213: a flexible credential whose expression does not match (tag without the v prefix)', async () => {
    const subject = `${REPO}:ref:refs/tags/2.1.0`;
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(undefined, { sub: subject }))),
      401,
      'invalid_client',
      700213,
      'No matching federated identity record found for presented assertion subject',
    );
  });

  test('AADSTS7002138: the subject differs only in case (matching is case-sensitive)', async () => {
    const subject = MAIN_SUBJECT.replace('octo-org@', 'Octo-Org@');
    const description = expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(undefined, { sub: subject }))),
      401,
      'invalid_client',
      7002138,
      `No matching federated identity record found for presented assertion subject '${subject}'.`,
    );
    expect(description).toContain('matches with case-insensitive comparison, but not with case-sensitive comparison');
  });

  test('AADSTS700212: issuer and subject match but the audience does not (no longer 70021)', async () => {
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion('https://github.com/octo-org'))),
      401,
      'invalid_client',
      700212,
      "No matching federated identity record found for presented assertion audience 'https://github.com/octo-org'.",
    );
  });

  test('AADSTS70021: the matching credential has not replicated yet; the message names issuer, subject and audience', async () => {
    entra.setFaults({ propagationDelaySeconds: 3600 });
    try {
      const description = expectAadsts(
        await postToken(entra.url, TENANT, assertionForm(await assertion())),
        400,
        'invalid_request',
        70021,
        'No matching federated identity record found for presented assertion.',
      );
      expect(description).toContain(
        `Assertion Issuer: '${github.issuer}'. Assertion Subject: '${MAIN_SUBJECT}'. Assertion Audience: '${FEDERATION_AUDIENCE}'.`,
      );
    } finally {
      entra.setFaults({ propagationDelaySeconds: 0 });
    }
  });

  test('AADSTS7000272: the assertion names a kid its issuer does not publish', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodePayload(await assertion());
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'kid-nobody-publishes' }).sign(privateKey);
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(forged)),
      401,
      'invalid_client',
      7000272,
      `The certificate with identifier kid-nobody-publishes used to sign the federated credential could not be found in the metadata of identity provider ${github.issuer}.`,
    );
  });

  test('AADSTS70025: the app has no federated credential at all', async () => {
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(), undefined, NO_SP_CALLER.clientId)),
      401,
      'invalid_client',
      70025,
      `The client '${NO_SP_CALLER.clientId}'(no-sp-caller) has no configured federated identity credentials.`,
    );
  });

  test.each([`${ORDERS_API.uri}/Orders.Read`, 'User.Read', 'openid'])('AADSTS1002012: client credentials need /.default, not %s', async (scope) => {
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(), scope)),
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  });

  test('AADSTS700022: two resources in one scope', async () => {
    const scope = `${ORDERS_API.uri}/.default ${LEGACY_API.uri}/.default`;
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(), scope)),
      400,
      'invalid_scope',
      700022,
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
    );
  });

  test.each([
    ['expired', () => ({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ['not yet valid', () => ({ nbf: Math.floor(Date.now() / 1000) + 600 })],
  ])('AADSTS700024: an assertion that is %s', async (_case, overrides) => {
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(undefined, overrides()))),
      401,
      'invalid_client',
      700024,
      'Client assertion is not within its valid time range. Current time: ',
    );
  });

  test('AADSTS70011: a /.default that names no resource', async () => {
    const scope = '/.default';
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(), scope)),
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    );
  });

  test('AADSTS500011: the API app has no service principal, or no app has that App ID URI', async () => {
    for (const resource of [ORPHAN_API.uri, 'api://nobody-here']) {
      expectAadsts(
        await postToken(entra.url, TENANT, assertionForm(await assertion(), `${resource}/.default`)),
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named Contoso Local.`,
      );
    }
  });

  test('AADSTS501051: the API requires app role assignment and the caller has none', async () => {
    expectAadsts(
      await postToken(entra.url, TENANT, assertionForm(await assertion(), `${LOCKED_API.uri}/.default`)),
      400,
      'invalid_grant',
      501051,
      `Application '${CALLER.clientId}'(orders-deployer) is not assigned to a role for the application '${LOCKED_API.uri}'(locked-api).`,
    );
  });

  test('AADSTS7000229: the caller app has no service principal', async () => {
    const answer = await postToken(entra.url, TENANT, {
      client_id: NO_SP_CALLER.clientId,
      client_secret: CALLER_SECRET,
      scope: `${ORDERS_API.uri}/.default`,
      grant_type: 'client_credentials',
    });
    expectAadsts(
      answer,
      401,
      'invalid_client',
      7000229,
      `The client application ${NO_SP_CALLER.clientId} is missing service principal in the tenant ${TENANT}.`,
    );
  });

  test('AADSTS900144 for a missing parameter and AADSTS70003 for another grant type', async () => {
    expectAadsts(
      await postToken(entra.url, TENANT, { grant_type: 'client_credentials', scope: `${ORDERS_API.uri}/.default` }),
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
    expectAadsts(
      await postToken(entra.url, TENANT, { grant_type: 'password', client_id: CALLER.clientId }),
      400,
      'unsupported_grant_type',
      70003,
      "The app requested an unsupported grant type 'password'.",
    );
  });

  test('correlation_id echoes the client-request-id header', async () => {
    const correlation = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const answer = await postToken(entra.url, TENANT, { grant_type: 'client_credentials' }, { 'client-request-id': correlation });
    expect(answer.body['correlation_id']).toBe(correlation);
    expect(String(answer.body['error_description'])).toContain(`Correlation ID: ${correlation}`);
  });
});
