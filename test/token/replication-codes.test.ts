// Issue [4] #2: right after an identity deploy, Entra answers each of REPLICATION_CODES until its
// directory has replicated; the exchange waits them out (awaitReplication), presenting a fresh GitHub
// assertion each attempt. Per code against a scripted token endpoint, and AADSTS500011 (the API's new
// service principal) against the Entra emulator, its clock moved by the exchange's own back-off.
import { startEntra } from '../../src/local/entra';
import { startGithubOidc } from '../../src/local/github';
import { REPLICATION_CODES, assertionSource, exchangeForAccessToken } from '../../src/token';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { CALLER, directoryFor, FEDERATION_AUDIENCE, ManualClock, ORPHAN_API, TENANT, decodePayload } from '../local/idp/helpers';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './helpers/fake-token-endpoint';

const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
/** What Entra answers while a new identity replicates (protocols.md §3), written out so a code dropped from REPLICATION_CODES fails here. */
const AFTER_A_FRESH_DEPLOY = ['700016', '7000229', '500011', '70021', '501051'];
let github: TestIssuer;
const servers: FakeTokenEndpoint[] = [];
beforeAll(async () => {
  github = await createTestIssuer({ issuer: 'https://token.actions.githubusercontent.com', audience: FEDERATION_AUDIENCE });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The exchange as the action runs it after a fresh deploy, on a scripted endpoint that answers `code` twice. */
async function exchangeAfter(code: string, awaitReplication: boolean) {
  const server = await startFakeTokenEndpoint([{ aadsts: Number(code) }, { aadsts: Number(code) }, { token: 'REPLICATED' }]);
  servers.push(server);
  let minted = 0;
  const waits: string[] = [];
  const result = exchangeForAccessToken({
    tokenEndpoint: server.tokenEndpoint,
    clientId: CLIENT_ID,
    scope: 'api://orders-api/.default',
    assertion: assertionSource({ request: () => github.sign({ jti: `assertion-${++minted}` }) }),
    awaitReplication,
    onReplicationWait: (seen) => waits.push(seen),
    // 70021 alone is retried a few times even without a fresh deploy (exchange.test.ts); with one
    // attempt, every code's wait here comes from awaitReplication alone.
    propagationAttempts: 1,
    retry: { sleep: async () => undefined },
  });
  return { server, result, waits };
}

describe('each replication refusal after a fresh deploy', () => {
  test('REPLICATION_CODES holds exactly these', () => {
    expect([...REPLICATION_CODES].sort()).toEqual([...AFTER_A_FRESH_DEPLOY].sort());
  });

  test.each(AFTER_A_FRESH_DEPLOY.map((code) => [code]))('AADSTS%s: retried, each attempt with a new assertion, until the token comes', async (code) => {
    const { server, result, waits } = await exchangeAfter(code, true);
    expect((await result).accessToken).toBe('REPLICATED');
    expect(waits).toEqual([code, code]);
    const assertions = server.requests.map((form) => form.get('client_assertion'));
    expect(assertions).toHaveLength(3);
    expect(new Set(assertions).size).toBe(3);
  });

  test.each(AFTER_A_FRESH_DEPLOY.map((code) => [code]))('AADSTS%s without a fresh deploy: one attempt, the refusal as it is', async (code) => {
    const { server, result, waits } = await exchangeAfter(code, false);
    await expect(result).rejects.toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_FAILED', aadsts: code });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

test("the Entra emulator: an API's new service principal answers AADSTS500011 until it replicates; the exchange waits, then gets the token", async () => {
  const clock = new ManualClock();
  const oidc = await startGithubOidc({ clock });
  const entra = await startEntra({ clock, directory: directoryFor(oidc.issuer), faults: { replicationDelaySeconds: 100 } });
  try {
    clock.advance(101); // the stacks deployed earlier have replicated
    entra.directory.addServicePrincipal(TENANT, { clientId: ORPHAN_API.clientId, objectId: '0d1e2f3a-4b5c-4d0e-9f1a-2b3c4d5e6f99' });
    const waits: string[] = [];
    const { accessToken } = await exchangeForAccessToken({
      tokenEndpoint: `${entra.url}/${TENANT}/oauth2/v2.0/token`,
      clientId: CALLER.clientId,
      scope: `${ORPHAN_API.uri}/.default`,
      assertion: assertionSource({ request: () => oidc.mintIdToken(FEDERATION_AUDIENCE), now: () => clock.now() }),
      awaitReplication: true,
      onReplicationWait: (code) => waits.push(code),
      // The back-off passes on the emulator's clock: no real waiting.
      retry: { maxAttempts: 40, baseMs: 1000, capMs: 15_000, deadlineMs: 300_000, now: () => clock.now(), sleep: async (ms) => clock.advance(ms / 1000) },
    });
    expect(decodePayload(accessToken)).toMatchObject({ aud: ORPHAN_API.clientId });
    expect(waits.length).toBeGreaterThan(0);
    expect(new Set(waits)).toEqual(new Set(['500011']));
  } finally {
    await Promise.all([oidc.close(), entra.close()]);
  }
});
