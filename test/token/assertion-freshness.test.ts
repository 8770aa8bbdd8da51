// Issue [1] item 10: a retry loop that runs for minutes must never present a GitHub assertion older
// than 60 s (GitHub tokens live ~5 min; Entra answers AADSTS700024 to an expired one). Real HTTP against
// the GitHub and Entra emulators, one manual clock for both and for the retry loop: nothing waits.
import { FRESH_CREDENTIAL_RETRY } from '../../action/gate';
import { startEntra } from '../../src/local/entra';
import { startGithubOidc } from '../../src/local/github';
import { acquireToken, assertionSource, TokenExchangeFailedError } from '../../src/token';
import { CALLER, directoryFor, ManualClock, ORDERS_API, TENANT } from '../local/idp/helpers';
import { startFakeTokenEndpoint } from './helpers/fake-token-endpoint';

async function requestIdToken(requestUrl: string, requestToken: string, audience?: string): Promise<string> {
  const res = await fetch(audience ? `${requestUrl}&audience=${encodeURIComponent(audience)}` : requestUrl, {
    headers: { authorization: `Bearer ${requestToken}` },
  });
  return ((await res.json()) as { value: string }).value;
}

describe('a fresh GitHub assertion for exchange retries (issue [1] item 10)', () => {
  test('a credential still propagating after the first assertion expired: the fresh-deploy retry waits it out with new assertions, no AADSTS700024', async () => {
    const clock = new ManualClock();
    // Tokens live 120 s here and the credential needs 150 s: a reused assertion is expired before it propagates.
    const github = await startGithubOidc({ clock, lifetimeSeconds: 120 });
    const entra = await startEntra({ clock, directory: directoryFor(github.issuer), faults: { propagationDelaySeconds: 150 } });
    const issuedAt: number[] = [];
    try {
      const acquired = await acquireToken(
        {
          kind: 'github-oidc',
          tokenEndpoint: `${entra.url}/${TENANT}/oauth2/v2.0/token`,
          clientId: CALLER.clientId,
          scope: `${ORDERS_API.uri}/.default`,
          getIDToken: async (audience) => {
            issuedAt.push(clock.now());
            return requestIdToken(github.requestUrl, github.requestToken, audience);
          },
        },
        {
          ...FRESH_CREDENTIAL_RETRY,
          retry: { ...FRESH_CREDENTIAL_RETRY.retry, now: () => clock.now(), sleep: async (ms) => clock.advance(ms / 1000), random: () => 0.999 },
        },
      );
      expect(acquired.claims.aud).toBe(ORDERS_API.clientId);
      expect(clock.now() - issuedAt[0]!).toBeGreaterThan(150_000);
      // Every attempt after a replication refusal presented a new assertion.
      expect(issuedAt.length).toBe(entra.tokenRequestCount);
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('other retries (503) reuse an assertion while it is at most 60 s old, then request a new one', async () => {
    const clock = new ManualClock();
    const github = await startGithubOidc({ clock });
    const server = await startFakeTokenEndpoint([
      { aadsts: 90033, status: 503, error: 'temporarily_unavailable' },
      { aadsts: 90033, status: 503 },
      { aadsts: 90033, status: 503 },
      { token: 'AT' },
    ]);
    const requested: number[] = [];
    try {
      // Back-offs of 30 s (random 1 × cap): attempts at 0, 30, 60, 90 s.
      await acquireToken(
        {
          kind: 'github-oidc',
          tokenEndpoint: server.tokenEndpoint,
          clientId: CALLER.clientId,
          scope: 'api://orders-api/.default',
          getIDToken: async (audience) => {
            requested.push(clock.now());
            return requestIdToken(github.requestUrl, github.requestToken, audience);
          },
        },
        { retry: { baseMs: 30_000, capMs: 30_000, now: () => clock.now(), sleep: async (ms) => clock.advance(ms / 1000), random: () => 0.9999999 } },
      );
      const started = requested[0]!;
      expect(requested.map((at) => Math.round((at - started) / 1000))).toEqual([0, 90]);
      const assertions = server.requests.map((form) => form.get('client_assertion'));
      expect(assertions[0]).toBe(assertions[1]);
      expect(assertions[1]).toBe(assertions[2]);
      expect(assertions[3]).not.toBe(assertions[0]);
    } finally {
      await Promise.all([github.close(), server.close()]);
    }
  });

  test('the assertion source: reused up to 60 s after it arrived, re-requested after, and after expire()', async () => {
    let now = 1_000;
    let n = 0;
    const source = assertionSource({ request: async () => `assertion-${++n}`, now: () => now });
    expect(await source.get()).toBe('assertion-1');
    now += 60_000;
    expect(await source.get()).toBe('assertion-1');
    now += 1;
    expect(await source.get()).toBe('assertion-2');
    source.expire();
    expect(await source.get()).toBe('assertion-3');
  });

  test('without a fresh deploy, a replication refusal other than 70021 fails at once with its fix', async () => {
    const server = await startFakeTokenEndpoint([{ aadsts: 700016, error: 'unauthorized_client' }, { token: 'AT' }]);
    try {
      const attempt = acquireToken(
        {
          kind: 'github-oidc',
          tokenEndpoint: server.tokenEndpoint,
          clientId: CALLER.clientId,
          scope: 'api://orders-api/.default',
          getIDToken: async () => 'a.b.c',
        },
        { retry: { sleep: async () => undefined } },
      );
      await expect(attempt).rejects.toThrow(TokenExchangeFailedError);
      await expect(attempt).rejects.toThrow(/AADSTS700016.*directory replication/);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
