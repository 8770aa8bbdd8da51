import { toolkit as core } from '../support/toolkit';
import { githubSubject, resolveCloud, tokenContract } from '../../src/contract';
import { verifyApiGate, type GateRun } from '../../src/gate';
import { startEntra, type EntraEmulator } from '../../src/local/entra';
import { startGateway, type GatewayEmulator, type JwtAuthorizerDefinition, type RouteDefinition } from '../../src/local/gateway';
import { GITHUB_RUN_DEFAULTS, startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { acquireToken, decodeClaimsForLogging, type AcquiredToken } from '../../src/token';
import { virtualTime } from './helpers/virtual-time';

/**
 * End to end, all on loopback: the runner's ID-token request (real @actions/core getIDToken with
 * ACTIONS_ID_TOKEN_REQUEST_* pointing at the GitHub emulator) → Entra emulator exchange → gateway
 * emulator with a JWT authorizer → the gate.
 */
const TENANT = '3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a098';
const API = {
  clientId: 'a1a1a1a1-0000-4000-8000-000000000001',
  objectId: 'a1a1a1a1-0000-4000-8000-000000000002',
  spObjectId: 'a1a1a1a1-0000-4000-8000-000000000003',
};
const OTHER = {
  clientId: 'b2b2b2b2-0000-4000-8000-000000000001',
  objectId: 'b2b2b2b2-0000-4000-8000-000000000002',
  spObjectId: 'b2b2b2b2-0000-4000-8000-000000000003',
};
const CALLER = {
  clientId: 'c3c3c3c3-0000-4000-8000-000000000001',
  objectId: 'c3c3c3c3-0000-4000-8000-000000000002',
  spObjectId: 'c3c3c3c3-0000-4000-8000-000000000003',
};
const ROLE_ID = 'd4d4d4d4-0000-4000-8000-000000000001';

let github: GithubOidcEmulator;
let entra: EntraEmulator;
let acquired: AcquiredToken;
const gateways: GatewayEmulator[] = [];
let stdoutSpy: jest.SpyInstance | undefined;
const savedEnv = { url: process.env['ACTIONS_ID_TOKEN_REQUEST_URL'], token: process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] };
const masked: string[] = [];

beforeAll(async () => {
  github = await startGithubOidc();
  entra = await startEntra({
    directory: {
      tenants: {
        [TENANT]: {
          applications: [
            {
              displayName: 'orders-api',
              clientId: API.clientId,
              objectId: API.objectId,
              identifierUris: ['api://orders-api'],
              tokenVersion: 2,
              appRoles: [{ id: ROLE_ID, value: 'Orders.Invoke' }],
            },
            { displayName: 'other-api', clientId: OTHER.clientId, objectId: OTHER.objectId, identifierUris: ['api://other-api'], tokenVersion: 2 },
            {
              displayName: 'orders-pipeline',
              clientId: CALLER.clientId,
              objectId: CALLER.objectId,
              federatedCredentials: [
                {
                  name: 'main',
                  issuer: github.issuer,
                  subject: githubSubject(
                    {
                      repository: 'octo-org/orders-api',
                      immutableIds: { ownerId: GITHUB_RUN_DEFAULTS.repositoryOwnerId, repositoryId: GITHUB_RUN_DEFAULTS.repositoryId },
                    },
                    { kind: 'branch', name: 'main' },
                  ),
                  audiences: ['api://AzureADTokenExchange'],
                },
              ],
            },
          ],
          servicePrincipals: [
            { clientId: API.clientId, objectId: API.spObjectId, appRoleAssignmentRequired: true },
            { clientId: OTHER.clientId, objectId: OTHER.spObjectId },
            { clientId: CALLER.clientId, objectId: CALLER.spObjectId },
          ],
          appRoleAssignments: [{ principalObjectId: CALLER.spObjectId, resourceObjectId: API.spObjectId, appRoleId: ROLE_ID }],
        },
      },
    },
  });
  process.env['ACTIONS_ID_TOKEN_REQUEST_URL'] = github.requestUrl;
  process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] = github.requestToken;
  // The toolkit announces `::add-mask::<token>` on stdout itself, on every getIDToken (also when the
  // wrong-audience probe mints a token later): keep it out of the test output for the whole file.
  stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  {
    const cloud = resolveCloud('local', entra.url);
    const contract = tokenContract({ tenantId: TENANT, tokenVersion: 2, cloud, apiClientId: API.clientId, identifierUri: 'api://orders-api' });
    acquired = await acquireToken(
      { kind: 'github-oidc', getIDToken: core.getIDToken, cloud, tokenEndpoint: contract.tokenEndpoint, clientId: CALLER.clientId, scope: contract.scope },
      { mask: (t) => masked.push(t) },
    );
  }
});

afterAll(async () => {
  stdoutSpy?.mockRestore();
  for (const [key, value] of [
    ['ACTIONS_ID_TOKEN_REQUEST_URL', savedEnv.url],
    ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', savedEnv.token],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await Promise.all([github?.close(), entra?.close()]);
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

async function gateway(authorizer: Partial<JwtAuthorizerDefinition>, routes?: RouteDefinition[]): Promise<GatewayEmulator> {
  const issuers = entra.issuers(TENANT);
  const started = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: issuers.v2, audiences: [API.clientId], ...authorizer }],
      routes: routes ?? [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }],
    },
  });
  gateways.push(started);
  return started;
}

/**
 * The gate on virtual time (helpers/virtual-time.ts), as in gate.test.ts: the failing cases poll until
 * the deadline at no real cost, and a loaded machine cannot push a probe past it (a real 1.2 s deadline
 * timed probes out when the suite ran beside terraform). Requests still go over real HTTP, each with
 * its real time-out, a fair share of the 10 s deadline.
 */
function gate(url: string, extra: Partial<Parameters<typeof verifyApiGate>[0]> = {}): Promise<GateRun> {
  const mint = acquired.mintForScope!;
  const { now, sleep, fetch } = virtualTime();
  return verifyApiGate({
    apiUrl: url,
    paths: ['/orders'],
    token: acquired.token,
    mintOtherAudienceToken: () => mint('api://other-api/.default'),
    timeoutMs: 10_000,
    intervalMs: 500,
    now,
    sleep,
    fetch,
    ...extra,
  });
}

describe('gate end to end through the emulators', () => {
  it('gets a v2 token through GitHub OIDC and Entra, masking both tokens', () => {
    expect(decodeClaimsForLogging(acquired.token)).toMatchObject({ iss: entra.issuers(TENANT).v2, aud: API.clientId, ver: '2.0', roles: ['Orders.Invoke'] });
    expect(masked).toHaveLength(2);
    expect(masked[1]).toBe(acquired.token);
    expect(decodeClaimsForLogging(masked[0]!)).toMatchObject({
      iss: github.issuer,
      aud: 'api://AzureADTokenExchange',
      sub: `repo:octo-org@${GITHUB_RUN_DEFAULTS.repositoryOwnerId}/orders-api@${GITHUB_RUN_DEFAULTS.repositoryId}:ref:refs/heads/main`,
    });
  });

  it('passes a correctly configured gateway, including the wrong-audience probe', async () => {
    const { url } = await gateway({});
    const run = await gate(url);
    expect(run.verdict).toEqual({ pass: true, failures: [], warnings: [] });
    expect(run.results.map((r) => r.auth)).toContain('other-audience');
  });

  it('fails a gateway trusting the v1 issuer with ERR_GATE_UNAUTHORIZED on iss', async () => {
    const issuers = entra.issuers(TENANT);
    const { url } = await gateway({ issuer: issuers.v1 });
    const run = await gate(url, { negativeProbes: false, expectedIssuer: issuers.v1 });
    expect(run.verdict.failures).toEqual([expect.objectContaining({ probe: 'valid-token GET /orders', code: 'ERR_GATE_UNAUTHORIZED', claim: 'iss' })]);
  });

  it('fails a gateway whose route has no authorizer with ERR_GATE_OPEN_API', async () => {
    const { url } = await gateway({}, [{ routeKey: 'GET /orders', authorizationType: 'NONE' }]);
    const run = await gate(url, { negativeProbes: false });
    expect(run.verdict.failures.map((f) => f.code)).toEqual(['ERR_GATE_OPEN_API']);
  });

  it('fails a gateway that lists the other API as an audience with ERR_GATE_ACCEPTS_WRONG_AUDIENCE', async () => {
    const { url } = await gateway({ audiences: [API.clientId, OTHER.clientId] });
    const run = await gate(url);
    expect(run.verdict.failures.map((f) => [f.probe, f.code])).toEqual([['other-audience GET /orders', 'ERR_GATE_ACCEPTS_WRONG_AUDIENCE']]);
  });
});
