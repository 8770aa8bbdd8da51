import { ATTACKS, ATTACK_CODES, attackerKeys, verifyApiGate, type AttackCode, type GateRun } from '../../../src/gate';
import { startEntra, type EntraEmulator } from '../../../src/local/entra';
import { AUTHORIZER_FLAWS, gatewayFlaw, startGateway, type GatewayEmulator } from '../../../src/local/gateway';
import { acquireToken, type AcquiredToken } from '../../../src/token';
import { CALLER, CALLER_SECRET, ORDERS_API, TENANT, directoryFor } from '../../local/idp/helpers';
import { virtualTime } from '../helpers/virtual-time';

/**
 * For every attack in the registry: the gateway emulator given exactly that attack's flaw fails
 * the gate with that attack's code, and the strict emulator passes the same gate. Real HTTP on
 * loopback: Entra emulator tokens (and a decoy API of the same tenant for other-audience), the
 * gateway emulator's JWT authorizer with its JWKS fetched from the Entra emulator.
 */
const DECOY = {
  clientId: 'de000000-0000-4000-8000-000000000001',
  objectId: 'de000000-0000-4000-8000-000000000002',
  spObjectId: 'de000000-0000-4000-8000-000000000003',
  uri: 'api://orders-api-decoy',
  roleId: 'de000000-0000-4000-8000-000000000004',
};

let entra: EntraEmulator;
let acquired: AcquiredToken;

beforeAll(async () => {
  const directory = directoryFor('https://token.actions.githubusercontent.com');
  const tenant = directory.tenants[TENANT]!;
  entra = await startEntra({
    directory: {
      tenants: {
        [TENANT]: {
          ...tenant,
          applications: [
            ...(tenant.applications ?? []),
            {
              displayName: 'orders-api-decoy',
              clientId: DECOY.clientId,
              objectId: DECOY.objectId,
              identifierUris: [DECOY.uri],
              tokenVersion: 2,
              appRoles: [{ id: DECOY.roleId, value: 'Decoy.Call', allowedMemberTypes: ['Application'] }],
            },
          ],
          servicePrincipals: [...(tenant.servicePrincipals ?? []), { clientId: DECOY.clientId, objectId: DECOY.spObjectId, appRoleAssignmentRequired: true }],
          appRoleAssignments: [
            ...(tenant.appRoleAssignments ?? []),
            { principalObjectId: CALLER.spObjectId, resourceObjectId: DECOY.spObjectId, appRoleId: DECOY.roleId },
          ],
        },
      },
    },
  });
  acquired = await acquireToken({
    kind: 'client-secret',
    tokenEndpoint: `${entra.url}/${TENANT}/oauth2/v2.0/token`,
    clientId: CALLER.clientId,
    scope: `${ORDERS_API.uri}/.default`,
    clientSecret: CALLER_SECRET,
  });
  await attackerKeys();
});
afterAll(async () => {
  await entra?.close();
});

async function withGateway<T>(flaw: AttackCode | undefined, fn: (gateway: GatewayEmulator) => Promise<T>): Promise<T> {
  const gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: entra.issuers(TENANT).v2, audiences: [ORDERS_API.clientId] }],
      routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }],
    },
    ...(flaw ? gatewayFlaw(flaw) : {}),
  });
  try {
    return await fn(gateway);
  } finally {
    await gateway.close();
  }
}

function gate(url: string, timeoutMs: number): Promise<GateRun> {
  // Every probe at once: a probe that is (rightly) answered 200 holds its slot until the deadline.
  // On virtual time (helpers/virtual-time.ts): a flawed gate polls until its deadline at no real cost.
  const time = virtualTime();
  return verifyApiGate({
    apiUrl: url,
    paths: ['/orders'],
    token: acquired.token,
    mintOtherAudienceToken: () => acquired.mintForScope!(`${DECOY.uri}/.default`),
    timeoutMs,
    intervalMs: 500,
    concurrency: 64,
    now: time.now,
    sleep: time.sleep,
    fetch: time.fetch,
  });
}

describe('every attack against the gateway emulator', () => {
  test('there is a flaw switch for every attack, and nothing else', () => {
    expect([...AUTHORIZER_FLAWS].sort()).toEqual([...ATTACK_CODES].sort());
    expect(new Set(ATTACK_CODES).size).toBe(ATTACKS.length);
  });

  test('the strict emulator passes every probe, with same-issuer evidence for the audience check', async () => {
    const run = await withGateway(undefined, (gw) => gate(gw.url, 10_000));
    expect(run.verdict).toEqual({ pass: true, failures: [], warnings: [] });
    expect(
      run.results
        .filter((r) => r.role === 'negative')
        .map((r) => r.auth)
        .sort(),
    ).toEqual([...ATTACK_CODES].sort());
    expect(run.results.find((r) => r.auth === 'oversized-header')?.actual).toBe(431);
  });

  // Batched, six gates of ~50 probes at a time: each flawed gate polls until its (virtual) deadline by design.
  const batches: AttackCode[][] = [];
  for (let i = 0; i < ATTACK_CODES.length; i += 6) batches.push(ATTACK_CODES.slice(i, i + 6));
  test.each(batches.map((batch) => [batch.join(', '), batch] as const))(
    'the flaw fails the gate with its own code: %s',
    async (_names, batch) => {
      const runs = await Promise.all(batch.map((code) => withGateway(code, (gw) => gate(gw.url, 5000)).then((run) => [code, run] as const)));
      for (const [code, run] of runs) {
        const failures = run.verdict.failures;
        expect({ code, pass: run.verdict.pass }).toEqual({ code, pass: false });
        expect({ code, caught: failures.some((f) => f.attack === code) }).toEqual({ code, caught: true });
        // A flaw lets attackers in; it never locks the genuine token out nor opens the API to anonymous calls.
        expect({ code, genuine: failures.filter((f) => /^(none|valid-token) /.test(f.probe)).map((f) => `${f.probe}: ${f.code}`) }).toEqual({
          code,
          genuine: [],
        });
        expect({ code, accepted: failures.filter((f) => f.code.startsWith('ERR_GATE_ACCEPTS_')).length > 0 }).toEqual({ code, accepted: true });
        const failure = failures.find((f) => f.attack === code)!;
        const attack = ATTACKS.find((a) => a.code === code)!;
        expect(failure).toMatchObject({ reason: expect.stringContaining(attack.acceptance), fix: attack.fix, reference: attack.reference });
      }
    },
    30_000,
  );
});
