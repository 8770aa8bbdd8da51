import { EXPLAINED_AADSTS_CODES, acquireToken, exchangeForAccessToken, type ExchangeOptions } from '../../src/token';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startFakeTokenEndpoint, type FakeTokenEndpoint, type ScriptedAnswer } from './helpers/fake-token-endpoint';

const GITHUB = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'repo:octo-org/orders-api:ref:refs/heads/main';
const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
let github: TestIssuer;
let assertion: string;
const servers: FakeTokenEndpoint[] = [];

beforeAll(async () => {
  github = await createTestIssuer({ issuer: GITHUB, audience: 'api://AzureADTokenExchange' });
  assertion = await github.sign({ sub: SUBJECT, job_workflow_ref: 'octo-org/orders-api/.github/workflows/deploy.yml@refs/heads/main' });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function endpoint(script: ScriptedAnswer[]): Promise<FakeTokenEndpoint> {
  const server = await startFakeTokenEndpoint(script);
  servers.push(server);
  return server;
}

function exchange(server: FakeTokenEndpoint, overrides: Partial<ExchangeOptions> = {}) {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const promise = exchangeForAccessToken({
    tokenEndpoint: server.tokenEndpoint,
    clientId: CLIENT_ID,
    scope: 'api://orders-api/.default',
    assertion,
    log: (line) => lines.push(line),
    retry: { sleep: async (ms) => void sleeps.push(ms), attemptTimeoutMs: 2000 },
    ...overrides,
  });
  return { promise, lines, sleeps };
}

describe('exchangeForAccessToken', () => {
  it('posts the federated client-credentials form and masks the access token on arrival', async () => {
    const server = await endpoint([{ token: 'ACCESS-TOKEN-1' }]);
    const masked: string[] = [];
    const result = await exchange(server, { mask: (t) => masked.push(t) }).promise;
    expect(result).toEqual({ accessToken: 'ACCESS-TOKEN-1', tokenType: 'Bearer', expiresIn: 3599 });
    expect(masked).toEqual(['ACCESS-TOKEN-1']);
    expect(Object.fromEntries(server.requests[0]!)).toEqual({
      client_id: CLIENT_ID,
      scope: 'api://orders-api/.default',
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
  });

  it('sends client_secret instead of an assertion when given one', async () => {
    const server = await endpoint([{ token: 'T' }]);
    await exchange(server, { assertion: undefined, clientSecret: 's3cr3t-value' }).promise;
    expect(server.requests[0]!.get('client_secret')).toBe('s3cr3t-value');
    expect(server.requests[0]!.has('client_assertion')).toBe(false);
  });

  it('throws TypeError unless exactly one of assertion / clientSecret is given', async () => {
    const server = await endpoint([{ token: 'T' }]);
    await expect(exchange(server, { clientSecret: 'x' }).promise).rejects.toThrow(TypeError);
    await expect(exchange(server, { assertion: undefined }).promise).rejects.toThrow(TypeError);
  });

  const messages: [number, RegExp][] = [
    [
      70021,
      new RegExp(
        `^token exchange failed \\(AADSTS70021\\): the federated credential on app ${CLIENT_ID} must have issuer ${GITHUB} \\(what this run presented\\), subject ${SUBJECT} \\(what this run presented\\), audience api://AzureADTokenExchange \\(what this run presented\\) — presented issuer ${GITHUB}, subject ${SUBJECT}, audience api://AzureADTokenExchange \\(a new or changed credential can take minutes to propagate\\) \\(Entra said "Entra explains the problem here."; correlation id 5e6f7a8b-0000-0000-0000-000000000002\\)$`,
      ),
    ],
    [700211, new RegExp(`no federated credential on app ${CLIENT_ID} has the presented issuer ${GITHUB}; set the credential's issuer to exactly that value`)],
    [700213, new RegExp(`no federated credential on app ${CLIENT_ID} has the presented subject ${SUBJECT}`)],
    [7002138, /matches the presented subject .* only when case is ignored; subjects match case-sensitively/],
    [
      700016,
      new RegExp(`app ${CLIENT_ID} was not found in tenant 11111111-2222-3333-4444-555555555555 at http://127\\.0\\.0\\.1:\\d+; check the caller's client id`),
    ],
    [700024, /outside its valid time range \(exp \d{4}-\d\d-\d\dT.*\); GitHub tokens live about 5 minutes/],
    [
      50027,
      new RegExp(
        `could not accept the assertion as a JWT .*presented issuer ${GITHUB}, subject ${SUBJECT}, audience api://AzureADTokenExchange; the audience must be`,
      ),
    ],
    [90002, /tenant 11111111-2222-3333-4444-555555555555 at http:\/\/127\.0\.0\.1:\d+ was not found; check the tenant id/],
    [70011, /scope api:\/\/orders-api\/\.default is not valid; app-only requests need <App ID URI>\/\.default/],
    [500011, /no service principal for the resource of scope api:\/\/orders-api\/\.default exists in tenant/],
    [7000218, /carried neither client_assertion nor client_secret; give the job `permissions: id-token: write`/],
    [501051, new RegExp(`app ${CLIENT_ID} has no app role on the API.*azuread_app_role_assignment`)],
    [7000215, new RegExp(`the client secret presented for app ${CLIENT_ID} is not valid; use the secret's value \\(not its id\\)`)],
    [
      700212,
      new RegExp(
        `no federated credential on app ${CLIENT_ID} lists the presented audience api://AzureADTokenExchange; each credential has exactly one audience and it must equal the GitHub token's aud`,
      ),
    ],
    [7000272, new RegExp(`the key \\(kid\\) that signed the GitHub token is not in the JWKS of its issuer ${GITHUB}`)],
    [70025, new RegExp(`app ${CLIENT_ID} has no federated identity credential at all`)],
    [1002012, /scope api:\/\/orders-api\/\.default is not valid for client credentials: it must be <App ID URI>\/\.default/],
    [700022, /scope api:\/\/orders-api\/\.default names more than one resource/],
    [7000229, new RegExp(`app ${CLIENT_ID} has no service principal in tenant .*directory replication`)],
  ];

  it('has a fix-it message for every code in the protocol reference', () => {
    expect([...EXPLAINED_AADSTS_CODES].sort()).toEqual(messages.map(([code]) => String(code)).sort());
  });

  it.each(messages)('explains AADSTS%s in one line, with code ERR_TOKEN_EXCHANGE_FAILED', async (code, pattern) => {
    const server = await endpoint([{ aadsts: code, status: code === 7000215 ? 401 : 400, error: code === 7000215 ? 'invalid_client' : 'invalid_request' }]);
    const error = await exchange(server, { propagationAttempts: 1 }).promise.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE_FAILED', aadsts: String(code) });
    const message = (error as Error).message;
    expect(message).toMatch(pattern);
    expect(message).toContain(`(AADSTS${code})`);
    expect(message).not.toMatch(/\n/);
    expect(message).not.toContain(assertion);
    expect(server.requests).toHaveLength(1);
  });

  it('shows expected versus presented values on AADSTS70021 when the configuration is known', async () => {
    const server = await endpoint([{ aadsts: 70021 }]);
    const error = await exchange(server, {
      propagationAttempts: 1,
      expected: { issuer: GITHUB, subject: 'repo:octo-org/orders-api:environment:prod', audience: 'api://AzureADTokenExchange' },
    }).promise.catch((e: Error) => e);
    expect((error as Error).message).toContain(
      `must have issuer ${GITHUB}, subject repo:octo-org/orders-api:environment:prod, audience api://AzureADTokenExchange — presented issuer ${GITHUB}, subject ${SUBJECT}, audience api://AzureADTokenExchange; differs: subject`,
    );
  });

  it('retries AADSTS70021 (propagation) and then succeeds', async () => {
    const server = await endpoint([{ aadsts: 70021 }, { aadsts: 70021 }, { token: 'LATE' }]);
    const { promise, lines, sleeps } = exchange(server);
    expect((await promise).accessToken).toBe('LATE');
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(lines[0]).toMatch(/^token exchange: attempt 1\/6 failed: token exchange failed \(AADSTS70021\).*; retrying in \d+ ms$/);
  });

  it('retries AADSTS70021 only a bounded number of times', async () => {
    const server = await endpoint([{ aadsts: 70021 }]);
    const { promise } = exchange(server, { propagationAttempts: 3 });
    await expect(promise).rejects.toMatchObject({ aadsts: '70021' });
    expect(server.requests).toHaveLength(3);
  });

  it('retries 503 (HTML answer) and 429, then succeeds', async () => {
    const server = await endpoint([{ status: 503, text: '<html>busy</html>' }, { status: 429, json: { error: 'throttled' } }, { token: 'OK' }]);
    const { promise, lines } = exchange(server);
    expect((await promise).accessToken).toBe('OK');
    expect(lines[0]).toContain('token exchange failed (HTTP 503): the token endpoint');
    expect(server.requests).toHaveLength(3);
  });

  it('never retries AADSTS700016, 90002, 7000218 or other 4xx', async () => {
    for (const code of [700016, 90002, 7000218, 70011]) {
      const server = await endpoint([{ aadsts: code }, { token: 'never' }]);
      await expect(exchange(server).promise).rejects.toMatchObject({ aadsts: String(code) });
      expect(server.requests).toHaveLength(1);
    }
    const plain = await endpoint([{ status: 400, json: { error: 'invalid_request' } }, { token: 'never' }]);
    await expect(exchange(plain).promise).rejects.toMatchObject({
      message: expect.stringMatching(/^token exchange failed \(HTTP 400 invalid_request\): .*refused/),
    });
    expect(plain.requests).toHaveLength(1);
  });

  it('retries a network error and an attempt that times out', async () => {
    const gone = await endpoint([{ token: 'x' }]);
    await gone.close();
    const down = exchange(gone, { retry: { maxAttempts: 2, sleep: async () => undefined } });
    await expect(down.promise).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXCHANGE_FAILED',
      message: expect.stringMatching(/fetch failed: connect ECONNREFUSED/),
    });
    expect(down.lines).toHaveLength(2);

    const slow = await endpoint([{ hang: true }, { token: 'after-timeout' }]);
    const timed = exchange(slow, { retry: { attemptTimeoutMs: 100, sleep: async () => undefined } });
    expect((await timed.promise).accessToken).toBe('after-timeout');
    expect(timed.lines[0]).toMatch(/no answer within 100 ms; retrying/);
  });

  it('keeps a canary assertion and secret out of every error and log line', async () => {
    const canaryAssertion = await github.sign({ sub: SUBJECT, note: 'CANARY-ASSERTION' });
    const lines: string[] = [];
    const texts: string[] = [];
    for (const code of messages.map(([c]) => c)) {
      const server = await endpoint([{ aadsts: code }]);
      const error = await exchangeForAccessToken({
        tokenEndpoint: server.tokenEndpoint,
        clientId: CLIENT_ID,
        scope: 'api://orders-api/.default',
        assertion: canaryAssertion,
        propagationAttempts: 1,
        log: (l) => lines.push(l),
      }).catch((e: Error) => e);
      texts.push(String(error), JSON.stringify(error));
    }
    const secretServer = await endpoint([{ aadsts: 7000215, status: 401 }]);
    const secretError = await exchange(secretServer, { assertion: undefined, clientSecret: 'CANARY-SECRET-42' }).promise.catch((e: Error) => e);
    texts.push(String(secretError), JSON.stringify(secretError));
    const all = [...texts, ...lines].join('\n');
    expect(all).not.toContain(canaryAssertion);
    expect(all).not.toContain(canaryAssertion.split('.')[2]);
    expect(all).not.toContain('CANARY-SECRET-42');
  });
});

describe('acquireToken', () => {
  it('github-oidc: asks GitHub with the cloud audience, masks the assertion and the access token, and can mint another audience', async () => {
    const server = await endpoint([{ token: 'API-TOKEN' }, { token: 'GRAPH-TOKEN' }]);
    const audiences: (string | undefined)[] = [];
    const masked: string[] = [];
    const acquired = await acquireToken(
      {
        kind: 'github-oidc',
        tokenEndpoint: server.tokenEndpoint,
        clientId: CLIENT_ID,
        scope: 'api://orders-api/.default',
        cloud: {
          name: 'usgov',
          authorityHost: 'https://login.microsoftonline.us',
          v1IssuerHost: 'https://sts.windows.net',
          federationAudience: 'api://AzureADTokenExchangeUSGov',
        },
        getIDToken: async (aud) => {
          audiences.push(aud);
          return assertion;
        },
      },
      { mask: (t) => masked.push(t) },
    );
    expect(acquired).toMatchObject({ source: 'github-oidc', token: 'API-TOKEN' });
    expect(audiences).toEqual(['api://AzureADTokenExchangeUSGov']);
    expect(await acquired.mintForScope!('https://graph.microsoft.com/.default')).toBe('GRAPH-TOKEN');
    expect(server.requests[1]!.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(masked).toEqual([assertion, 'API-TOKEN', assertion, 'GRAPH-TOKEN']);
  });

  it('client-secret: masks the secret first, then the token', async () => {
    const server = await endpoint([{ token: 'SECRET-FLOW-TOKEN' }]);
    const masked: string[] = [];
    const acquired = await acquireToken(
      { kind: 'client-secret', tokenEndpoint: server.tokenEndpoint, clientId: CLIENT_ID, scope: 'api://x/.default', clientSecret: 'the-secret' },
      { mask: (t) => masked.push(t) },
    );
    expect(acquired.token).toBe('SECRET-FLOW-TOKEN');
    expect(masked).toEqual(['the-secret', 'SECRET-FLOW-TOKEN']);
  });

  it('given: trims and masks the token and logs only its claims', async () => {
    const token = await github.sign({ sub: SUBJECT });
    const lines: string[] = [];
    const masked: string[] = [];
    const acquired = await acquireToken({ kind: 'given', token: ` ${token}\n` }, { mask: (t) => masked.push(t), log: (l) => lines.push(l) });
    expect(acquired.token).toBe(token);
    expect(acquired.mintForScope).toBeUndefined();
    expect(masked).toEqual([token]);
    expect(lines).toEqual([`access token from given: iss=${GITHUB} sub=${SUBJECT} aud=api://AzureADTokenExchange`]);
  });
});
