import { startEntra, type EntraEmulator, type EntraFaults } from '../../src/local/entra';
import { startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { acquireToken, decodeClaimsForLogging, type TokenSourceDeps } from '../../src/token';
import { CALLER, DEPLOY_ROLE, FEDERATION_AUDIENCE, MAIN_SUBJECT, ManualClock, ORDERS_API, TENANT, directoryFor } from '../local/idp/helpers';
import { firstRequests, startFaultProxy } from './support/fault-proxy';
import { msSince, recordFigure } from './support/figures';
import { idTokenFrom } from './support/runs';

/**
 * Faults at Entra's token endpoint, through the real emulators and the real exchange (acquireToken →
 * exchangeForAccessToken → retry). Back-off waits run on the emulators' injectable clock: the retry's
 * `sleep` moves the same clock the Entra emulator judges propagation and assertion lifetimes by, so
 * a 20 s propagation delay is lived through in milliseconds. One test per kind also runs in real time.
 */

const SCOPE = `${ORDERS_API.uri}/.default`;
const figures: Record<string, unknown> = {};

interface World {
  readonly clock: ManualClock;
  readonly github: GithubOidcEmulator;
  readonly entra: EntraEmulator;
  /** The runner's ID-token request, over HTTP, as @actions/core makes it. */
  readonly getIDToken: (audience?: string) => Promise<string>;
  readonly tokenEndpoint: string;
  /** Back-off on the shared clock; `slept` lists every wait the retry asked for. */
  readonly virtual: { readonly slept: number[]; readonly retry: NonNullable<TokenSourceDeps['retry']> };
  close(): Promise<void>;
}

async function world(options: { faults?: EntraFaults; realClock?: boolean } = {}): Promise<World> {
  const clock = new ManualClock(Date.now());
  const clockOption = options.realClock ? {} : { clock };
  const github = await startGithubOidc(clockOption);
  const entra = await startEntra({ ...clockOption, directory: directoryFor(github.issuer), ...(options.faults ? { faults: options.faults } : {}) });
  const slept: number[] = [];
  return {
    clock,
    github,
    entra,
    getIDToken: idTokenFrom(github),
    tokenEndpoint: `${entra.url}/${TENANT}/oauth2/v2.0/token`,
    virtual: {
      slept,
      retry: {
        now: () => clock.now(),
        sleep: async (ms: number) => {
          slept.push(ms);
          clock.ms += ms;
        },
      },
    },
    close: async () => {
      await Promise.all([github.close(), entra.close()]);
    },
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

afterAll(() => {
  const f = figures as Record<string, { attempts?: number; virtualMs?: number; virtualBackoffMs?: number; realMs?: number } | undefined>;
  const s = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  recordFigure(
    'faults-token',
    figures,
    `token faults: 503x3 → token on attempt ${f['503x3']?.attempts}; 500 forever → clear failure after ${f['500-forever']?.attempts} attempts; ` +
      `70021 for 20 s → default budget fails after ${f['aadsts70021-default']?.attempts} (${s(f['aadsts70021-default']?.virtualBackoffMs)} back-off), ` +
      `larger budget → token on attempt ${f['aadsts70021-larger-budget']?.attempts} (${s(f['aadsts70021-larger-budget']?.virtualMs)} virtual, ${s(f['aadsts70021-larger-budget']?.realMs)} real)`,
  );
});

describe('Entra 5xx bursts', () => {
  test('503 three times, then OK: the exchange retries and gets a genuine token (4 requests, 3 back-offs within the policy)', async () => {
    const w = await world();
    try {
      w.entra.setFaults({ failNextTokenRequests: { count: 3, status: 503 } });
      const log: string[] = [];
      const started = performance.now();
      const acquired = await acquireToken(
        { kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint: w.tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE },
        { log: (line) => log.push(line), retry: w.virtual.retry },
      );
      expect(decodeClaimsForLogging(acquired.token)).toMatchObject({
        iss: `${w.entra.url}/${TENANT}/v2.0`,
        aud: ORDERS_API.clientId,
        roles: [DEPLOY_ROLE.value],
      });
      expect(w.entra.tokenRequestCount).toBe(4);
      const failures = log.filter((l) => l.startsWith('token exchange: attempt'));
      expect(failures.slice(0, 3)).toEqual(
        [1, 2, 3].map((n) =>
          expect.stringMatching(
            new RegExp(
              `^token exchange: attempt ${n}/6 failed: token exchange failed \\(AADSTS90033\\): the token endpoint ${escape(w.tokenEndpoint)} is unavailable .*; retrying in \\d+ ms$`,
            ),
          ),
        ),
      );
      expect(failures[3]).toMatch(/^token exchange: attempt 4\/6 succeeded in \d+ ms$/);
      // Full-jitter exponential back-off with the default base of 1 s: attempt n waits < 2^(n-1) s.
      expect(w.virtual.slept).toHaveLength(3);
      w.virtual.slept.forEach((ms, i) => expect(ms).toBeLessThan(1000 * 2 ** i));
      figures['503x3'] = { attempts: 4, virtualBackoffMs: sum(w.virtual.slept), realMs: msSince(started) };
    } finally {
      await w.close();
    }
  });

  test('500 forever: fails with one clear exchange error after the 6 attempts, inside the 120 s deadline', async () => {
    const w = await world({ faults: { failNextTokenRequests: { count: 1_000_000, status: 500 } } });
    try {
      const started = performance.now();
      const virtualStart = w.clock.now();
      const failure = await failureOf(
        acquireToken(
          { kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint: w.tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE },
          { retry: w.virtual.retry },
        ),
      );
      expect(failure).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_FAILED', status: 500 });
      expect(failure.message).toMatch(
        new RegExp(
          `^token exchange failed \\(AADSTS50000\\): the token endpoint ${escape(w.tokenEndpoint)} is unavailable \\(Entra said "There was an error issuing a token or an issue with our sign-in service\\."; correlation id ${GUID}\\)$`,
        ),
      );
      expect(w.entra.tokenRequestCount).toBe(6);
      expect(w.clock.now() - virtualStart).toBeLessThan(120_000);
      figures['500-forever'] = { attempts: 6, virtualMs: w.clock.now() - virtualStart, realMs: msSince(started) };
    } finally {
      await w.close();
    }
  });

  test('500 forever in real time with a 2.5 s deadline: gives up before the deadline, naming it', async () => {
    const w = await world({ faults: { failNextTokenRequests: { count: 1_000_000, status: 500 } }, realClock: true });
    try {
      const log: string[] = [];
      const started = performance.now();
      const failure = await failureOf(
        acquireToken(
          { kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint: w.tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE },
          { log: (line) => log.push(line), retry: { maxAttempts: 100, baseMs: 200, capMs: 800, deadlineMs: 2500 } },
        ),
      );
      const ms = msSince(started);
      expect(failure.code).toBe('ERR_TOKEN_EXCHANGE_FAILED');
      expect(ms).toBeLessThan(2500 + 1000);
      expect(log[log.length - 1]).toMatch(/^token exchange: attempt \d+\/100 failed: token exchange failed \(AADSTS50000\): .*; deadline of 2500 ms reached$/);
      figures['500-forever-real'] = { attempts: w.entra.tokenRequestCount, realMs: ms, deadlineMs: 2500 };
    } finally {
      await w.close();
    }
  });
});

describe('connection resets at the token endpoint', () => {
  test('the first two token requests have their connection reset: retried, then a token', async () => {
    const w = await world();
    const proxy = await startFaultProxy({ upstream: w.entra.url, decide: firstRequests(2, { kind: 'reset' }, (r) => r.method === 'POST') });
    try {
      const log: string[] = [];
      const tokenEndpoint = `${proxy.url}/${TENANT}/oauth2/v2.0/token`;
      const acquired = await acquireToken(
        { kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE },
        { log: (line) => log.push(line), retry: w.virtual.retry },
      );
      expect(decodeClaimsForLogging(acquired.token).aud).toBe(ORDERS_API.clientId);
      expect(proxy.counts.faults).toBe(2);
      expect(w.entra.tokenRequestCount).toBe(1);
      const failed = log.filter((l) => / failed: /.test(l));
      expect(failed).toEqual(
        [1, 2].map((n) =>
          expect.stringMatching(
            new RegExp(`^token exchange: attempt ${n}/6 failed: token exchange with ${escape(tokenEndpoint)} failed: fetch failed: .+; retrying in \\d+ ms$`),
          ),
        ),
      );
      figures['resets-x2'] = { attempts: 3, resets: proxy.counts.faults };
    } finally {
      await proxy.close();
      await w.close();
    }
  });

  test('every connection reset: fails after 6 attempts with one line naming the endpoint and the network error', async () => {
    const w = await world();
    const proxy = await startFaultProxy({ upstream: w.entra.url, decide: () => ({ kind: 'reset' }) });
    try {
      const tokenEndpoint = `${proxy.url}/${TENANT}/oauth2/v2.0/token`;
      const failure = await failureOf(
        acquireToken({ kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE }, { retry: w.virtual.retry }),
      );
      expect(failure.code).toBe('ERR_TOKEN_EXCHANGE_FAILED');
      expect(failure.message).toMatch(new RegExp(`^token exchange with ${escape(tokenEndpoint)} failed: fetch failed: [^\\n]+$`));
      expect(proxy.counts.faults).toBe(6);
    } finally {
      await proxy.close();
      await w.close();
    }
  });
});

describe('AADSTS70021 for 20 s (a new federated credential still propagating)', () => {
  const PROPAGATION_SECONDS = 20;

  test('the default budget (4 answers of 70021, < 7 s of back-off) is shorter than 20 s: one clear failure naming propagation', async () => {
    const w = await world({ faults: { propagationDelaySeconds: PROPAGATION_SECONDS } });
    try {
      const virtualStart = w.clock.now();
      const failure = await failureOf(
        acquireToken(
          { kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint: w.tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE },
          { retry: w.virtual.retry },
        ),
      );
      expect(failure).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_FAILED', aadsts: '70021' });
      const iss = w.github.issuer;
      const said = entraSaid(
        `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${MAIN_SUBJECT}'. Assertion Audience: '${FEDERATION_AUDIENCE}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
      );
      const expected =
        `token exchange failed (AADSTS70021): the federated credential on app ${CALLER.clientId} must have issuer ${iss} (what this run presented), ` +
        `subject ${MAIN_SUBJECT} (what this run presented), audience ${FEDERATION_AUDIENCE} (what this run presented) — ` +
        `presented issuer ${iss}, subject ${MAIN_SUBJECT}, audience ${FEDERATION_AUDIENCE} (a new or changed credential can take minutes to propagate) ` +
        `(Entra said "${said}"; correlation id `;
      expect(failure.message.startsWith(expected)).toBe(true);
      expect(failure.message.slice(expected.length)).toMatch(new RegExp(`^${GUID}\\)$`));
      expect(w.entra.tokenRequestCount).toBe(4);
      const waited = w.clock.now() - virtualStart;
      expect(waited).toBeLessThan(PROPAGATION_SECONDS * 1000);
      figures['aadsts70021-default'] = { attempts: 4, virtualBackoffMs: waited, outcome: 'fails naming propagation' };
    } finally {
      await w.close();
    }
  });

  test('a larger budget (12 attempts, back-off up to 15 s) lives through the 20 s and gets a token, in well under a second of real time', async () => {
    const w = await world({ faults: { propagationDelaySeconds: PROPAGATION_SECONDS } });
    try {
      const started = performance.now();
      const virtualStart = w.clock.now();
      const acquired = await acquireToken(
        { kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint: w.tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE },
        { retry: { ...w.virtual.retry, maxAttempts: 12, random: () => 0.999 }, propagationAttempts: 12 },
      );
      expect(decodeClaimsForLogging(acquired.token).aud).toBe(ORDERS_API.clientId);
      const waited = w.clock.now() - virtualStart;
      expect(waited).toBeGreaterThanOrEqual(PROPAGATION_SECONDS * 1000);
      const realMs = msSince(started);
      expect(realMs).toBeLessThan(2000);
      figures['aadsts70021-larger-budget'] = { attempts: w.entra.tokenRequestCount, virtualMs: waited, realMs };
    } finally {
      await w.close();
    }
  });

  test('in real time: a 2 s propagation delay is ridden out by the default policy (back-off 1 s, 2 s)', async () => {
    const w = await world({ faults: { propagationDelaySeconds: 2 }, realClock: true });
    try {
      const started = performance.now();
      const acquired = await acquireToken(
        { kind: 'github-oidc', getIDToken: w.getIDToken, tokenEndpoint: w.tokenEndpoint, clientId: CALLER.clientId, scope: SCOPE },
        { retry: { random: () => 0.999 } },
      );
      const realMs = msSince(started);
      expect(decodeClaimsForLogging(acquired.token).aud).toBe(ORDERS_API.clientId);
      expect(w.entra.tokenRequestCount).toBe(3);
      expect(realMs).toBeGreaterThanOrEqual(2000);
      expect(realMs).toBeLessThan(5000);
      figures['aadsts70021-real-2s'] = { attempts: 3, realMs };
    } finally {
      await w.close();
    }
  });
});

/** The error a flow that must fail threw; a flow that succeeds fails the test. */
async function failureOf(flow: Promise<unknown>): Promise<{ code?: string; status?: number; aadsts?: string; message: string }> {
  try {
    await flow;
  } catch (error) {
    return error as { code?: string; status?: number; aadsts?: string; message: string };
  }
  throw new Error('expected the token exchange to fail, but it returned a token');
}

/** The first line of Entra's error_description as the exchange quotes it (cut at 300 characters). */
function entraSaid(description: string): string {
  return description.length > 300 ? `${description.slice(0, 297)}...` : description;
}
