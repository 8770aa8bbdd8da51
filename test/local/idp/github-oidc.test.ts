import { toolkit as core } from '../../support/toolkit';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startGithubOidc, type GithubOidcEmulator } from '../../../src/local/github';
import { decodeHeader, decodePayload, ManualClock, REPO } from './helpers';

let github: GithubOidcEmulator;

beforeAll(async () => {
  github = await startGithubOidc();
});

afterAll(async () => {
  await github.close();
});

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GitHub OIDC discovery (protocols.md §4)', () => {
  test('discovery names the issuer and a jwks_uri that serves RS256 keys with kids', async () => {
    const { status, body } = await getJson(`${github.issuer}/.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(body['issuer']).toBe(github.url);
    expect(body['jwks_uri']).toBe(`${github.url}/.well-known/jwks`);
    expect(body['id_token_signing_alg_values_supported']).toEqual(['RS256']);
    const jwks = await getJson(String(body['jwks_uri']));
    const keys = jwks.body['keys'] as Record<string, unknown>[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(typeof keys[0]!['kid']).toBe('string');
    expect(keys[0]).not.toHaveProperty('d');
  });

  test('an enterprise issuer path moves discovery under it and into iss', async () => {
    const enterprise = await startGithubOidc({ issuerPath: '/octo-corp' });
    try {
      expect(enterprise.issuer).toBe(`${enterprise.url}/octo-corp`);
      const { body } = await getJson(`${enterprise.issuer}/.well-known/openid-configuration`);
      expect(body['issuer']).toBe(enterprise.issuer);
      expect(body['jwks_uri']).toBe(`${enterprise.issuer}/.well-known/jwks`);
      expect((await fetch(`${enterprise.url}/.well-known/openid-configuration`)).status).toBe(404);
      expect(decodePayload(await enterprise.mintIdToken('api://AzureADTokenExchange'))['iss']).toBe(enterprise.issuer);
    } finally {
      await enterprise.close();
    }
  });

  test('rejects a malformed issuerPath or lifetime as a caller mistake (TypeError)', async () => {
    await expect(startGithubOidc({ issuerPath: 'octo-corp/' })).rejects.toThrow(TypeError);
    await expect(startGithubOidc({ lifetimeSeconds: 0 })).rejects.toThrow('"lifetimeSeconds" option must be a positive integer');
  });
});

describe('Actions ID-token endpoint', () => {
  test('@actions/core getIDToken gets a verifiable token using only the two runner env vars', async () => {
    const saved = { url: process.env['ACTIONS_ID_TOKEN_REQUEST_URL'], token: process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] };
    const written: string[] = [];
    // core.setSecret writes ::add-mask::<token> to stdout; capture it so no token reaches the test log.
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    process.env['ACTIONS_ID_TOKEN_REQUEST_URL'] = github.requestUrl;
    process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] = github.requestToken;
    let token: string;
    try {
      token = await core.getIDToken('api://AzureADTokenExchange');
    } finally {
      stdout.mockRestore();
      restoreEnv('ACTIONS_ID_TOKEN_REQUEST_URL', saved.url);
      restoreEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', saved.token);
    }
    expect(written.some((line) => line.includes(`::add-mask::${token}`))).toBe(true);
    const jwks = createRemoteJWKSet(new URL(`${github.issuer}/.well-known/jwks`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: github.issuer, audience: 'api://AzureADTokenExchange', algorithms: ['RS256'] });
    expect(protectedHeader.kid).toBe(github.jwks().keys[0]!.kid);
    expect(payload.sub).toBe(`${REPO}:ref:refs/heads/main`);
  });

  test('a request without the bearer request token answers 401', async () => {
    expect((await fetch(`${github.requestUrl}&audience=x`)).status).toBe(401);
    const wrong = await fetch(`${github.requestUrl}&audience=x`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(github.requestToken);
  });

  test('answers {"value": jwt}, defaulting aud to https://github.com/<owner>', async () => {
    const response = await fetch(github.requestUrl, { headers: { authorization: `Bearer ${github.requestToken}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['value']);
    expect(decodePayload(String(body['value']))['aud']).toBe('https://github.com/octo-org');
  });
});

describe('ID token claims', () => {
  test('carries every documented claim, RS256 with kid, living lifetimeSeconds from the injected clock', async () => {
    const clock = new ManualClock();
    const emulator = await startGithubOidc({ clock, lifetimeSeconds: 300 });
    try {
      const token = await emulator.mintIdToken('api://AzureADTokenExchange');
      expect(decodeHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: emulator.jwks().keys[0]!.kid, x5t: emulator.jwks().keys[0]!.x5t });
      const claims = decodePayload(token);
      for (const name of [
        'jti',
        'nbf',
        'exp',
        'iat',
        'repository',
        'repository_id',
        'repository_owner',
        'repository_owner_id',
        'ref',
        'ref_type',
        'sha',
        'event_name',
        'job_workflow_ref',
        'workflow_ref',
        'run_id',
        'run_attempt',
        'actor',
        'runner_environment',
      ]) {
        expect(claims).toHaveProperty(name);
      }
      expect(claims).toMatchObject({
        iss: emulator.issuer,
        aud: 'api://AzureADTokenExchange',
        iat: clock.ms / 1000,
        nbf: clock.ms / 1000 - 300,
        exp: clock.ms / 1000 + 300,
        ref_type: 'branch',
        repository_owner: 'octo-org',
      });
      expect(claims).not.toHaveProperty('environment');
    } finally {
      await emulator.close();
    }
  });

  test.each([
    [
      'environment wins over pull_request and ref',
      { environment: 'production', eventName: 'pull_request', ref: 'refs/pull/7/merge' },
      `${REPO}:environment:production`,
    ],
    ['pull_request wins over ref', { eventName: 'pull_request', ref: 'refs/pull/7/merge' }, `${REPO}:pull_request`],
    ['a branch ref', { ref: 'refs/heads/release/2.0' }, `${REPO}:ref:refs/heads/release/2.0`],
    ['a tag ref', { ref: 'refs/tags/v1.4.0' }, `${REPO}:ref:refs/tags/v1.4.0`],
    [
      "the immutable owner@id/repo@id form by default, with the run's own ids",
      { repositoryOwnerId: 42, repositoryId: 4242 },
      'repo:octo-org@42/orders-api@4242:ref:refs/heads/main',
    ],
    ['the name-only form of a repository older than 2026-07-15', { immutableSubject: false }, 'repo:octo-org/orders-api:ref:refs/heads/main'],
    ['an explicit sub override', { sub: 'repo:octo-org/orders-api:job_workflow_ref:custom' }, 'repo:octo-org/orders-api:job_workflow_ref:custom'],
  ])('sub precedence: %s', async (_rule, claims, expected) => {
    github.setClaims(claims);
    try {
      const payload = decodePayload(await github.mintIdToken());
      expect(payload['sub']).toBe(expected);
      if ('environment' in claims) expect(payload['environment']).toBe('production');
    } finally {
      github.setClaims({});
    }
  });

  test('claimOverrides replace claims of one minted token only', async () => {
    const overridden = decodePayload(await github.mintIdToken('aud-x', { sub: 'repo:Octo-Org/orders-api:ref:refs/heads/main', exp: 1 }));
    expect(overridden).toMatchObject({ aud: 'aud-x', sub: 'repo:Octo-Org/orders-api:ref:refs/heads/main', exp: 1 });
    expect(decodePayload(await github.mintIdToken('aud-x'))['sub']).toBe(`${REPO}:ref:refs/heads/main`);
  });
});

describe('GitHub token claims as GitHub issues them today (issue [4] item 7)', () => {
  async function fetchToken(emulator: { requestUrl: string; requestToken: string }): Promise<string> {
    const res = await fetch(`${emulator.requestUrl}&audience=api://AzureADTokenExchange`, { headers: { authorization: `Bearer ${emulator.requestToken}` } });
    return ((await res.json()) as { value: string }).value;
  }

  test('a push: head_ref and base_ref are empty strings, workflow_sha and job_workflow_sha are the commit, nbf before iat, x5t in the header and the JWKS', async () => {
    const emulator = await startGithubOidc();
    try {
      const token = await fetchToken(emulator);
      const claims = decodePayload(token);
      expect(claims).toMatchObject({
        head_ref: '',
        base_ref: '',
        workflow_sha: claims['sha'],
        job_workflow_sha: claims['sha'],
        job_workflow_ref: claims['workflow_ref'],
      });
      expect(claims).not.toHaveProperty('enterprise');
      expect(claims).not.toHaveProperty('enterprise_id');
      expect(claims['nbf'] as number).toBeLessThan(claims['iat'] as number);
      const header = decodeHeader(token);
      expect(Object.keys(header)).toEqual(['typ', 'alg', 'x5t', 'kid']);
      const published = ((await (await fetch(`${emulator.issuer}/.well-known/jwks`)).json()) as { keys: { kid: string; x5t: string }[] }).keys;
      expect(published).toContainEqual(expect.objectContaining({ kid: header['kid'], x5t: header['x5t'] }));
      const discovery = (await (await fetch(`${emulator.issuer}/.well-known/openid-configuration`)).json()) as { claims_supported: string[] };
      expect(discovery.claims_supported).toEqual(
        expect.arrayContaining(['head_ref', 'base_ref', 'workflow_sha', 'job_workflow_sha', 'enterprise', 'enterprise_id']),
      );
    } finally {
      await emulator.close();
    }
  });

  test('a pull request in an enterprise, running a called reusable workflow', async () => {
    const emulator = await startGithubOidc({
      claims: {
        eventName: 'pull_request',
        ref: 'refs/pull/7/merge',
        headRef: 'fix-login',
        baseRef: 'main',
        enterprise: { slug: 'octo-enterprise', id: 1234 },
        calledWorkflow: { repository: 'octo-org/shared-workflows', path: '.github/workflows/deploy.yml', ref: 'refs/tags/v2', sha: 'a'.repeat(40) },
      },
    });
    try {
      const claims = decodePayload(await fetchToken(emulator));
      expect(claims).toMatchObject({
        head_ref: 'fix-login',
        base_ref: 'main',
        enterprise: 'octo-enterprise',
        enterprise_id: '1234',
        workflow_ref: 'octo-org/orders-api/.github/workflows/deploy.yml@refs/pull/7/merge',
        job_workflow_ref: 'octo-org/shared-workflows/.github/workflows/deploy.yml@refs/tags/v2',
        job_workflow_sha: 'a'.repeat(40),
        sub: `${REPO}:pull_request`,
      });
      expect(claims['workflow_sha']).toBe(claims['sha']);
    } finally {
      await emulator.close();
    }
  });
});

describe('key rotation', () => {
  test('rotateKeys signs with a new kid, keeps the previous key until the second rotation', async () => {
    const emulator = await startGithubOidc();
    try {
      const first = await emulator.mintIdToken('a');
      const firstKid = decodeHeader(first)['kid'];
      await emulator.rotateKeys();
      const second = await emulator.mintIdToken('a');
      const secondKid = decodeHeader(second)['kid'];
      expect(secondKid).not.toBe(firstKid);
      const afterOne = (await getJson(`${emulator.issuer}/.well-known/jwks`)).body as unknown as JSONWebKeySet;
      expect(afterOne.keys.map((key) => key.kid)).toEqual([firstKid, secondKid]);
      await jwtVerify(first, createLocalJWKSet(afterOne));
      await jwtVerify(second, createLocalJWKSet(afterOne));

      await emulator.rotateKeys();
      const afterTwo = (await getJson(`${emulator.issuer}/.well-known/jwks`)).body as unknown as JSONWebKeySet;
      expect(afterTwo.keys.map((key) => key.kid)).not.toContain(firstKid);
      expect(afterTwo.keys.map((key) => key.kid)).toContain(secondKid);
      await expect(jwtVerify(first, createLocalJWKSet(afterTwo))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    } finally {
      await emulator.close();
    }
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
