import { createRemoteJWKSet, jwtVerify } from 'jose';
import { resolveCloud, tokenContract } from '../../../src/contract';
import { startEntra, type EntraEmulator } from '../../../src/local/entra';
import { startGithubOidc, type GithubOidcEmulator } from '../../../src/local/github';
import {
  assertionForm,
  CALLER,
  CALLER_SECRET,
  decodeHeader,
  decodePayload,
  DEPLOY_ROLE,
  directoryFor,
  FEDERATION_AUDIENCE,
  LEGACY_API,
  LEGACY_ROLE,
  ORDERS_API,
  postToken,
  TENANT,
} from './helpers';

let github: GithubOidcEmulator;
let entra: EntraEmulator;

beforeAll(async () => {
  github = await startGithubOidc();
  entra = await startEntra({ directory: directoryFor(github.issuer) });
});

afterAll(async () => {
  await Promise.all([github.close(), entra.close()]);
});

function contract(tokenVersion: 1 | 2, api: { clientId: string; uri: string }) {
  return tokenContract({ tenantId: TENANT, tokenVersion, cloud: resolveCloud('local', entra.url), apiClientId: api.clientId, identifierUri: api.uri });
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Entra discovery at the URLs tokenContract() gives for cloud local', () => {
  test.each([1, 2] as const)('v%s discovery names the contract issuer and JWKS URI, and the JWKS serves the tenant key', async (version) => {
    const expected = contract(version, ORDERS_API);
    const { status, body } = await getJson(expected.discoveryUrl);
    expect(status).toBe(200);
    expect(body['issuer']).toBe(expected.issuer);
    expect(body['jwks_uri']).toBe(expected.jwksUri);
    const jwks = await getJson(expected.jwksUri);
    expect(jwks.body['keys']).toEqual((await entra.jwks(TENANT)).keys);
    expect(body['token_endpoint']).toBe(version === 2 ? expected.tokenEndpoint : `${entra.url}/${TENANT}/oauth2/token`);
  });

  test('the v1 issuer serves {issuer}/.well-known/openid-configuration, double slash tolerated (API Gateway appends to the issuer)', async () => {
    const { issuer } = contract(1, ORDERS_API);
    expect(issuer).toBe(`${entra.url}/sts/${TENANT}/`);
    for (const url of [`${issuer}.well-known/openid-configuration`, `${issuer}/.well-known/openid-configuration`]) {
      const { status, body } = await getJson(url);
      expect(status).toBe(200);
      expect(body['issuer']).toBe(issuer);
    }
    expect((await getJson(`${contract(2, ORDERS_API).issuer}/.well-known/openid-configuration`)).body['issuer']).toBe(`${entra.url}/${TENANT}/v2.0`);
  });
});

describe('token exchange: GitHub assertion → Entra access token', () => {
  test('a v2 API gets a v2 token that verifies with jose against the discovered Entra JWKS', async () => {
    const assertion = await github.mintIdToken(FEDERATION_AUDIENCE);
    const { status, body } = await postToken(entra.url, TENANT, assertionForm(assertion));
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(body['ext_expires_in']).toBe(body['expires_in']);
    const expected = contract(2, ORDERS_API);
    const discovery = await getJson(expected.discoveryUrl);
    const jwks = createRemoteJWKSet(new URL(String(discovery.body['jwks_uri'])));
    const { payload, protectedHeader } = await jwtVerify(String(body['access_token']), jwks, {
      issuer: expected.issuer,
      audience: [...expected.audiences],
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBeDefined();
    expect(payload).toMatchObject({
      aud: ORDERS_API.clientId,
      azp: CALLER.clientId,
      azpacr: '2',
      ver: '2.0',
      tid: TENANT,
      oid: CALLER.spObjectId,
      sub: CALLER.spObjectId,
      roles: [DEPLOY_ROLE.value],
    });
    for (const claim of ['uti', 'rh', 'aio', 'iat', 'nbf', 'exp']) expect(payload).toHaveProperty(claim);
    expect(payload).not.toHaveProperty('scp');
    expect(payload).not.toHaveProperty('appid');
    const lifetime = payload.exp! - payload.iat!;
    expect(body['expires_in']).toBe(lifetime);
    expect(lifetime).toBeGreaterThanOrEqual(3600);
    expect(lifetime).toBeLessThanOrEqual(5400);
  });

  test('a v1 API gets a v1 token: iss under /sts with a trailing slash, aud = the requested App ID URI, appid/appidacr', async () => {
    const assertion = await github.mintIdToken(FEDERATION_AUDIENCE);
    const { status, body } = await postToken(entra.url, TENANT, assertionForm(assertion, `${LEGACY_API.uri}/.default`));
    expect(status).toBe(200);
    const expected = contract(1, LEGACY_API);
    const jwks = createRemoteJWKSet(new URL(expected.jwksUri));
    const { payload } = await jwtVerify(String(body['access_token']), jwks, { issuer: expected.issuer, audience: [...expected.audiences] });
    expect(payload).toMatchObject({
      aud: LEGACY_API.uri,
      appid: CALLER.clientId,
      appidacr: '2',
      ver: '1.0',
      roles: [LEGACY_ROLE.value],
      oid: CALLER.spObjectId,
    });
    expect(payload).not.toHaveProperty('azp');
  });

  test('a v1 API asked for by client id gets that client id as aud', async () => {
    const { body } = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE), `${LEGACY_API.clientId}/.default`));
    expect(decodePayload(String(body['access_token']))['aud']).toBe(LEGACY_API.clientId);
  });

  test('a flexible credential matches sub and job_workflow_ref with wildcards', async () => {
    github.setClaims({ ref: 'refs/tags/v2.1.0' });
    try {
      const { status } = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)));
      expect(status).toBe(200);
    } finally {
      github.setClaims({});
    }
  });

  test('a caller without any app role assignment gets no roles claim (API without assignment required)', async () => {
    entra.directory.removeAppRoleAssignments(TENANT, CALLER.spObjectId);
    try {
      const { status, body } = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE), `${LEGACY_API.uri}/.default`));
      expect(status).toBe(200);
      expect(decodePayload(String(body['access_token']))).not.toHaveProperty('roles');
    } finally {
      entra.directory.assignAppRole(TENANT, { principalObjectId: CALLER.spObjectId, resourceObjectId: ORDERS_API.spObjectId, appRoleId: DEPLOY_ROLE.id });
      entra.directory.assignAppRole(TENANT, { principalObjectId: CALLER.spObjectId, resourceObjectId: LEGACY_API.spObjectId, appRoleId: LEGACY_ROLE.id });
    }
  });

  test('the issuer JWKS is refetched on an unknown kid, so GitHub key rotation is picked up', async () => {
    expect((await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)))).status).toBe(200);
    await github.rotateKeys();
    const rotated = await github.mintIdToken(FEDERATION_AUDIENCE);
    expect(decodeHeader(rotated)['kid']).toBe(github.jwks().keys[1]!.kid);
    expect((await postToken(entra.url, TENANT, assertionForm(rotated))).status).toBe(200);
  });
});

describe('client secret flow (local users)', () => {
  test('client_secret in the form authenticates the caller (azpacr 1)', async () => {
    const { status, body } = await postToken(entra.url, TENANT, {
      client_id: CALLER.clientId,
      client_secret: CALLER_SECRET,
      scope: `${ORDERS_API.uri}/.default`,
      grant_type: 'client_credentials',
    });
    expect(status).toBe(200);
    expect(decodePayload(String(body['access_token']))).toMatchObject({ azp: CALLER.clientId, azpacr: '1', roles: [DEPLOY_ROLE.value] });
  });

  test('client_secret_basic (HTTP Basic) is accepted too', async () => {
    const basic = Buffer.from(`${CALLER.clientId}:${CALLER_SECRET}`).toString('base64');
    const { status } = await postToken(
      entra.url,
      TENANT,
      { scope: `${ORDERS_API.uri}/.default`, grant_type: 'client_credentials' },
      { authorization: `Basic ${basic}` },
    );
    expect(status).toBe(200);
  });
});
