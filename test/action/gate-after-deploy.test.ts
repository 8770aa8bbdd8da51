// The action's gate right after its own deploy (action/gate.ts gateApi, the function action/main.ts
// calls with the deploy's result): the app roles our identity stack granted are waited for (issue [4]
// #2), and the decoy API's scope from the deploy's decoy-scope output is the wrong-audience probe
// (issue [3]). Real HTTP: the GitHub OIDC, Entra ID and API Gateway emulators on loopback.
import { decodeJwt } from 'jose';
import { gateApi, type GateContext } from '../../action/gate';
import type { DeployedApp } from '../../action/deploy-app';
import { readInputs } from '../../action/inputs';
import { resolveCloud } from '../../src/contract';
import type { DeployResult } from '../../src/deploy/deploy';
import type { DeployOutputs } from '../../src/deploy/outputs';
import { listen } from '../../src/local/server';
import { startLegacyApiEmulators, type LegacyApiEmulators } from '../gate/helpers/legacy-api';
import { CALLER, LEGACY_API, LEGACY_ROLE, TENANT } from '../local/idp/helpers';
import { actionYmlDefaults } from './harness';

/** A second v1 API in the tenant, as our identity stack's decoyAudience deploys it: same issuer, another aud. */
const DECOY = {
  clientId: '1f2e3d4c-5b6a-4788-9a0b-1c2d3e4f5a6b',
  objectId: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
  spObjectId: '3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d7e',
  uri: 'api://orders-api-decoy',
};

let emu: LegacyApiEmulators;

beforeAll(async () => {
  emu = await startLegacyApiEmulators();
  emu.entra.directory.addApplication(TENANT, {
    displayName: 'orders-api-decoy',
    clientId: DECOY.clientId,
    objectId: DECOY.objectId,
    identifierUris: [DECOY.uri],
    tokenVersion: 1,
  });
  emu.entra.directory.addServicePrincipal(TENANT, { clientId: DECOY.clientId, objectId: DECOY.spObjectId });
});
afterAll(() => emu?.close());

/** What deployApp returns after deploying both stacks of our config (the identity stack changed). */
function deployed(outputs: Partial<DeployOutputs> = {}): DeployedApp {
  const all: DeployOutputs = {
    apiUrl: emu.gateway.url,
    tenantId: TENANT,
    callerClientId: CALLER.clientId,
    scope: `${LEGACY_API.uri}/.default`,
    issuer: emu.entra.issuers(TENANT).v1,
    audiences: [LEGACY_API.uri],
    tokenEndpoint: `${emu.entra.url}/${TENANT}/oauth2/v2.0/token`,
    ...outputs,
  };
  const result = {
    version: '1.11.0',
    steps: [],
    stacks: [
      { name: 'identity', changed: true },
      { name: 'gateway', changed: true },
    ],
    outputs: all,
    rawOutputs: {},
  } as unknown as DeployResult;
  return { outputs: all, result, tenantId: TENANT, tokenVersion: 1, cloud: resolveCloud('local', emu.entra.url), roles: [LEGACY_ROLE.value] };
}

/** The step's inputs as the runner exports them: every default, then these. */
function inputs(values: Record<string, string>) {
  const all: Record<string, string> = {
    ...actionYmlDefaults(),
    cloud: 'local',
    'authority-host': emu.entra.url,
    paths: '/hello',
    'timeout-seconds': '10',
    ...values,
  };
  return readInputs((name) => all[name] ?? '');
}

function context(lines: string[]): GateContext {
  return {
    cloud: resolveCloud('local', emu.entra.url),
    getIDToken: (audience) => emu.github.mintIdToken(audience),
    mask: () => undefined,
    log: (line) => lines.push(line),
    warn: (line) => lines.push(`warning: ${line}`),
  };
}

describe("the action's gate after its own deploy", () => {
  test('the app role our identity stack granted shows late: the gate mints again until a token carries it, then passes', async () => {
    emu.entra.directory.removeAppRoleAssignments(TENANT, CALLER.spObjectId);
    // The assignment replicates once a third token request has arrived: the first two were answered
    // without the role (the requests come one after another).
    const before = emu.entra.tokenRequestCount;
    const replicate = setInterval(() => {
      if (emu.entra.tokenRequestCount - before < 3) return;
      clearInterval(replicate);
      emu.entra.directory.assignAppRole(TENANT, { principalObjectId: CALLER.spObjectId, resourceObjectId: LEGACY_API.spObjectId, appRoleId: LEGACY_ROLE.id });
    }, 5);
    const lines: string[] = [];
    try {
      const { report } = await gateApi(inputs({ 'negative-probes': 'false' }), context(lines), deployed());
      expect(report.failures).toEqual([]);
      expect(report.pass).toBe(true);
    } finally {
      clearInterval(replicate);
    }
    expect(lines).toContain(`gate: the token has none of the roles ${LEGACY_ROLE.value} yet; minting new tokens until the role assignment has replicated`);
    expect(emu.entra.tokenRequestCount - before).toBeGreaterThanOrEqual(3);
  }, 30_000);

  test('a role that never shows: ERR_GATE_MISSING_ROLE, naming the role to assign', async () => {
    emu.entra.directory.removeAppRoleAssignments(TENANT, CALLER.spObjectId);
    try {
      const { report } = await gateApi(inputs({ 'negative-probes': 'false', 'timeout-seconds': '1' }), context([]), deployed());
      expect(report.pass).toBe(false);
      expect(report.failures.map((f) => f.code)).toContain('ERR_GATE_MISSING_ROLE');
    } finally {
      emu.entra.directory.assignAppRole(TENANT, { principalObjectId: CALLER.spObjectId, resourceObjectId: LEGACY_API.spObjectId, appRoleId: LEGACY_ROLE.id });
    }
  }, 30_000);

  test("the deploy's decoy-scope output is the wrong-audience probe: a genuine token of the same issuer for the decoy, refused on aud", async () => {
    // A front that notes the aud of every token the gate sends, then hands the request to the gateway.
    const audiences = new Set<unknown>();
    const front = await listen(async (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (token !== undefined) {
        try {
          audiences.add(decodeJwt(token).aud);
        } catch {
          // A malformed-token attack: no claims to note.
        }
      }
      const answer = await fetch(`${emu.gateway.url}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers: req.headers.authorization ? { authorization: req.headers.authorization } : {},
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
    });
    const { report } = await gateApi(inputs({}), context([]), deployed({ apiUrl: front.url, decoyScope: `${DECOY.uri}/.default` })).finally(() =>
      front.close(),
    );
    expect(report.failures).toEqual([]);
    expect(report.pass).toBe(true);
    const probe = report.probes.find((p) => p.request.auth === 'other-audience');
    expect(probe).toMatchObject({ outcome: 'pass', actual: 401 });
    // Same issuer, so no "weaker evidence" note; the token the gate sent for it was the decoy's.
    expect(report.warnings.filter((w) => w.includes('other-audience'))).toEqual([]);
    expect(audiences).toContain(DECOY.uri);
  }, 30_000);

  test('without the output (and no Graph in the local cloud) the wrong-audience probe is skipped, and says so', async () => {
    const { report } = await gateApi(inputs({}), context([]), deployed());
    expect(report.probes.find((p) => p.request.auth === 'other-audience')).toBeUndefined();
    expect(report.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^other-audience .*not probed/)]));
  }, 30_000);
});
