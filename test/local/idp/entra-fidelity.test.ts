// Issue [4] items 2 and 4: Entra as it behaves today — directory replication after a fresh deploy,
// and the shape of its tokens (optional idtyp, expires_in = exp − now within 60–90 min, the tenant
// as a domain name). Real HTTP against the emulators; a manual clock where time must pass.
import { startEntra } from '../../../src/local/entra';
import { startGithubOidc } from '../../../src/local/github';
import {
  assertionForm,
  CALLER,
  decodePayload,
  directoryFor,
  FEDERATION_AUDIENCE,
  LEGACY_API,
  LEGACY_ROLE,
  ManualClock,
  ORDERS_API,
  ORPHAN_API,
  postToken,
  TENANT,
} from './helpers';

describe('directory replication: --fault replication-delay (item 2)', () => {
  test('every object appears after its own delay: 700016, 70021, 7000229, 501051 or a token without roles, then the full token', async () => {
    const clock = new ManualClock();
    const github = await startGithubOidc({ clock });
    const entra = await startEntra({ clock, directory: directoryFor(github.issuer), faults: { replicationDelaySeconds: 100 } });
    const ask = async (resource = ORDERS_API.uri) => {
      const answer = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE), `${resource}/.default`));
      return answer.status === 200 ? decodePayload(String(answer.body['access_token'])) : (answer.body['error_codes'] as number[])[0];
    };
    try {
      expect(await ask()).toBe(700016); // the caller app is not visible yet
      clock.advance(30);
      expect(await ask()).toBe(70021); // the app is, its federated credential is not
      clock.advance(25);
      expect(await ask()).toBe(7000229); // the credential is, the caller's service principal is not
      clock.advance(25);
      expect(await ask()).toBe(501051); // everything but the role assignment, and the API requires one
      expect(await ask(LEGACY_API.uri)).not.toHaveProperty('roles'); // an API without that requirement: a token without roles
      clock.advance(21);
      expect(await ask()).toMatchObject({ aud: ORDERS_API.clientId, roles: ['Orders.Deploy'] });
      expect(await ask(LEGACY_API.uri)).toMatchObject({ roles: [LEGACY_ROLE.value] });

      // Objects added later replicate on their own clock: the API's new service principal → 500011.
      entra.directory.addServicePrincipal(TENANT, { clientId: ORPHAN_API.clientId, objectId: '0d1e2f3a-4b5c-4d0e-9f1a-2b3c4d5e6f99' });
      expect(await ask(ORPHAN_API.uri)).toBe(500011);
      clock.advance(76);
      expect(await ask(ORPHAN_API.uri)).toMatchObject({ aud: ORPHAN_API.clientId });
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('a negative delay is refused', async () => {
    await expect(startEntra({ faults: { replicationDelaySeconds: -1 } })).rejects.toThrow(
      '"replicationDelaySeconds" fault must be a non-negative number, got -1',
    );
  });
});

describe('Entra access tokens (item 4)', () => {
  test('idtyp appears only when the API app configures the optional claim', async () => {
    const github = await startGithubOidc();
    const directory = directoryFor(github.issuer);
    const tenant = directory.tenants[TENANT]!;
    const withIdtyp = {
      tenants: {
        [TENANT]: {
          ...tenant,
          applications: tenant.applications!.map((app) =>
            app.clientId === LEGACY_API.clientId ? { ...app, optionalClaims: { accessToken: ['idtyp'] } } : app,
          ),
        },
      },
    };
    const entra = await startEntra({ directory: withIdtyp });
    try {
      const token = async (resource: string) =>
        decodePayload(
          String(
            (await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE), `${resource}/.default`))).body['access_token'],
          ),
        );
      expect(await token(ORDERS_API.uri)).not.toHaveProperty('idtyp');
      expect(await token(LEGACY_API.uri)).toMatchObject({ idtyp: 'app' });
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('expires_in agrees with exp, and lifetimes fall between 60 and 90 minutes', async () => {
    const github = await startGithubOidc();
    const entra = await startEntra({ directory: directoryFor(github.issuer) });
    try {
      const lifetimes = new Set<number>();
      for (let i = 0; i < 8; i += 1) {
        const before = Math.floor(Date.now() / 1000);
        const { body } = await postToken(entra.url, TENANT, assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)));
        const claims = decodePayload(String(body['access_token']));
        const exp = claims['exp'] as number;
        expect(Math.abs(before + (body['expires_in'] as number) - exp)).toBeLessThanOrEqual(1);
        expect(body['ext_expires_in']).toBe(body['expires_in']);
        const lifetime = exp - (claims['iat'] as number);
        expect(lifetime).toBeGreaterThanOrEqual(3600);
        expect(lifetime).toBeLessThanOrEqual(5400);
        lifetimes.add(lifetime);
      }
      // Entra varies lifetimes across the range; a fixed 3599 everywhere is what the old emulator did.
      expect(lifetimes.size).toBeGreaterThan(1);
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });

  test('the token endpoint and discovery accept the tenant as a domain name; tokens still carry the tenant id', async () => {
    const github = await startGithubOidc();
    const directory = directoryFor(github.issuer);
    const entra = await startEntra({ directory: { tenants: { [TENANT]: { ...directory.tenants[TENANT]!, domains: ['contoso.onmicrosoft.com'] } } } });
    try {
      const answer = await postToken(entra.url, 'Contoso.onmicrosoft.com', assertionForm(await github.mintIdToken(FEDERATION_AUDIENCE)));
      expect(answer.status).toBe(200);
      expect(decodePayload(String(answer.body['access_token']))).toMatchObject({ tid: TENANT, iss: `${entra.url}/${TENANT}/v2.0` });
      const discovery = (await (await fetch(`${entra.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(`${entra.url}/${TENANT}/v2.0`);
      const unknown = await postToken(entra.url, 'fabrikam.onmicrosoft.com', { client_id: CALLER.clientId });
      expect(unknown.body['error_codes']).toEqual([90002]);
    } finally {
      await Promise.all([github.close(), entra.close()]);
    }
  });
});
