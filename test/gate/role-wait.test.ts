// Issue [4] item 2: right after a role assignment is created Entra issues tokens without `roles`; within
// its deadline the gate treats such a token as "not yet" and mints again. Real HTTP: GitHub OIDC and
// Entra emulators, the gateway emulator, the gate.
import { tokenContract, resolveCloud } from '../../src/contract';
import { verifyApiGate } from '../../src/gate';
import type { EntraEmulator } from '../../src/local/entra';
import type { GatewayEmulator } from '../../src/local/gateway';
import type { GithubOidcEmulator } from '../../src/local/github';
import { acquireToken, decodeClaimsForLogging } from '../../src/token';
import { CALLER, LEGACY_API, LEGACY_ROLE, TENANT } from '../local/idp/helpers';
import { startLegacyApiEmulators, type LegacyApiEmulators } from './helpers/legacy-api';
import { virtualTime } from './helpers/virtual-time';

/** The gate's waits on virtual time (helpers/virtual-time.ts): the deadline case costs no real seconds. */
function onVirtualTime() {
  const { now, sleep, fetch } = virtualTime();
  return { now, sleep, fetch };
}

let emulators: LegacyApiEmulators;
let github: GithubOidcEmulator;
let entra: EntraEmulator;
let gateway: GatewayEmulator;

beforeAll(async () => {
  // The legacy API does not require an assignment: without one its tokens simply lack `roles`.
  emulators = await startLegacyApiEmulators();
  ({ github, entra, gateway } = emulators);
});
afterAll(() => emulators?.close());

async function tokenSource() {
  const contract = tokenContract({
    tenantId: TENANT,
    tokenVersion: 1,
    cloud: resolveCloud('local', entra.url),
    apiClientId: LEGACY_API.clientId,
    identifierUri: LEGACY_API.uri,
  });
  const getIDToken = async (audience?: string) => github.mintIdToken(audience);
  return acquireToken({ kind: 'github-oidc', getIDToken, tokenEndpoint: contract.tokenEndpoint, clientId: CALLER.clientId, scope: contract.scope });
}

describe('the gate waits for the expected role (issue [4] item 2)', () => {
  test('a token without the role is "not yet": the gate mints again until the assignment shows, then passes', async () => {
    entra.directory.removeAppRoleAssignments(TENANT, CALLER.spObjectId);
    const acquired = await tokenSource();
    expect(decodeClaimsForLogging(acquired.token).roles).toBeUndefined();
    let refreshes = 0;
    let waits = 0;
    const run = await verifyApiGate({
      ...onVirtualTime(),
      apiUrl: gateway.url,
      paths: ['/hello'],
      token: acquired.token,
      expectedRoles: [LEGACY_ROLE.value],
      refreshToken: async () => {
        // The assignment replicates while the gate waits.
        if (++refreshes === 2)
          entra.directory.assignAppRole(TENANT, { principalObjectId: CALLER.spObjectId, resourceObjectId: LEGACY_API.spObjectId, appRoleId: LEGACY_ROLE.id });
        return acquired.mintForScope!(`${LEGACY_API.uri}/.default`);
      },
      onRoleWait: () => void waits++,
      negativeProbes: false,
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(run.verdict).toEqual({ pass: true, failures: [], warnings: [] });
    expect(refreshes).toBe(2);
    expect(waits).toBe(2); // the first token and the first refresh came without the role
  }, 30_000);

  test('no role by the deadline: ERR_GATE_MISSING_ROLE on the roles claim, with the fix', async () => {
    entra.directory.removeAppRoleAssignments(TENANT, CALLER.spObjectId);
    const acquired = await tokenSource();
    const run = await verifyApiGate({
      ...onVirtualTime(),
      apiUrl: gateway.url,
      paths: ['/hello'],
      token: acquired.token,
      expectedRoles: [LEGACY_ROLE.value],
      refreshToken: () => acquired.mintForScope!(`${LEGACY_API.uri}/.default`),
      negativeProbes: false,
      timeoutMs: 2000,
      intervalMs: 100,
    });
    expect(run.verdict.pass).toBe(false);
    expect(run.verdict.failures[0]).toMatchObject({
      probe: 'valid-token',
      code: 'ERR_GATE_MISSING_ROLE',
      claim: 'roles',
      reason: expect.stringContaining(`carries no roles, none of ${LEGACY_ROLE.value}`),
      fix: expect.stringContaining('azuread_app_role_assignment'),
    });
  });

  test('a token that already carries the role is used as is', async () => {
    entra.directory.assignAppRole(TENANT, { principalObjectId: CALLER.spObjectId, resourceObjectId: LEGACY_API.spObjectId, appRoleId: LEGACY_ROLE.id });
    const acquired = await tokenSource();
    const run = await verifyApiGate({
      ...onVirtualTime(),
      apiUrl: gateway.url,
      paths: ['/hello'],
      token: acquired.token,
      expectedRoles: [LEGACY_ROLE.value],
      refreshToken: () => Promise.reject(new Error('not called')),
      negativeProbes: false,
      timeoutMs: 5000,
      intervalMs: 100,
    });
    expect(run.verdict.pass).toBe(true);
  });
});
