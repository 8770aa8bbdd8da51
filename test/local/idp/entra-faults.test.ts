import { SignJWT, generateKeyPair } from 'jose';
import { startEntra } from '../../../src/local/entra';
import { startGithubOidc } from '../../../src/local/github';
import { listen } from '../../../src/local/server';
import { assertionForm, CALLER, directoryFor, FEDERATION_AUDIENCE, MAIN_SUBJECT, ManualClock, postToken, TENANT, REPO } from './helpers';

describe('Entra fault switches', () => {
  test('propagation delay: a credential loaded less than N seconds ago answers AADSTS70021, then succeeds', async () => {
    const clock = new ManualClock();
    const github = await startGithubOidc({ clock });
    const entra = await startEntra({ clock, directory: directoryFor(github.issuer), faults: { propagationDelaySeconds: 60 } });
    try {
      const early = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)));
      expect(early.status).toBe(400);
      expect(early.body['error_codes']).toEqual([70021]);
      expect(String(early.body['error_description'])).toContain(`Assertion Subject: '${MAIN_SUBJECT}'`);
      clock.advance(61);
      expect((await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)))).status).toBe(200);
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('propagation delay set at run time applies to a credential added while running', async () => {
    const clock = new ManualClock();
    const github = await startGithubOidc({ clock, claims: { environment: 'staging' } });
    const entra = await startEntra({ clock, directory: directoryFor(github.issuer) });
    try {
      entra.setFaults({ propagationDelaySeconds: 30 });
      entra.directory.addFederatedCredential(TENANT, CALLER.clientId, {
        name: 'github-staging',
        issuer: github.issuer,
        subject: `${REPO}:environment:staging`,
        audiences: [FEDERATION_AUDIENCE],
      });
      clock.advance(10);
      const answer = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)));
      expect(answer.body['error_codes']).toEqual([70021]);
      clock.advance(25);
      expect((await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)))).status).toBe(200);
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test.each([503, 500] as const)('a 5xx burst: the next N token requests answer %s with an Entra-like body, then service resumes', async (status) => {
    const github = await startGithubOidc();
    const entra = await startEntra({ directory: directoryFor(github.issuer) });
    try {
      entra.setFaults({ failNextTokenRequests: { count: 2, status } });
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const answer = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)));
        expect(answer.status).toBe(status);
        expect(answer.body['error']).toBe(status === 503 ? 'temporarily_unavailable' : 'server_error');
        expect(String(answer.body['error_description'])).toMatch(/^AADSTS\d+: .+\r\nTrace ID: /);
      }
      expect((await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)))).status).toBe(200);
      expect(entra.tokenRequestCount).toBe(3);
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('latency adds the configured milliseconds to each response', async () => {
    // The emulator's wait is recorded, not timed: a loaded machine cannot make this test flaky.
    const waits: number[] = [];
    const entra = await startEntra({ directory: { tenants: { [TENANT]: {} } }, sleep: async (ms) => void waits.push(ms) });
    try {
      const url = `${entra.url}/${TENANT}/v2.0/.well-known/openid-configuration`;
      entra.setFaults({ latencyMs: 150 });
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(url)).status).toBe(200);
      expect(waits).toEqual([150, 150]);
      entra.setFaults({ latencyMs: 0 });
      expect((await fetch(url)).status).toBe(200);
      expect(waits).toEqual([150, 150]);
    } finally {
      await entra.close();
    }
  });

  test('fault values are checked: a negative delay is a caller mistake (TypeError)', async () => {
    await expect(startEntra({ faults: { latencyMs: -1 } })).rejects.toThrow(TypeError);
  });
});

describe('assertion issuer metadata over HTTP', () => {
  test('issuer discovery and JWKS are fetched once and cached across exchanges', async () => {
    const github = await startGithubOidc();
    const fetched: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      fetched.push(String(input));
      return fetch(input, init);
    };
    const entra = await startEntra({ directory: directoryFor(github.issuer), fetch: countingFetch });
    try {
      for (let i = 0; i < 3; i += 1)
        expect((await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)))).status).toBe(200);
      expect(fetched).toEqual([`${github.issuer}/.well-known/openid-configuration`, `${github.issuer}/.well-known/jwks`]);
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('an issuer whose discovery never answers fails with AADSTS50027 after the fetch time-out', async () => {
    const silent = await listen(() => undefined);
    const entra = await startEntra({ directory: directoryFor('http://127.0.0.1:9'), issuerFetchTimeoutMs: 200 });
    try {
      entra.directory.addFederatedCredential(TENANT, CALLER.clientId, {
        name: 'silent',
        issuer: silent.url,
        subject: MAIN_SUBJECT,
        audiences: [FEDERATION_AUDIENCE],
      });
      const { privateKey } = await generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ sub: MAIN_SUBJECT, aud: FEDERATION_AUDIENCE })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(silent.url)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      const answer = await postToken(entra.url, TENANT, assertionForm(assertion));
      expect(answer.body['error_codes']).toEqual([50027]);
      expect(String(answer.body['error_description'])).toContain('the discovery document did not answer within 200 ms');
    } finally {
      await Promise.all([silent.close(), entra.close()]);
    }
  });
});
