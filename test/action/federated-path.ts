import { startEntra, type EntraEmulator } from '../../src/local/entra';
import { startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { CALLER, ORDERS_API, TENANT, directoryFor } from '../local/idp/helpers';

/**
 * The whole federated path on loopback, for runs of the action bundle: GitHub OIDC → Entra exchange →
 * the gateway emulator's JWT authorizer (GET /hello protected, GET /health public).
 */
export interface FederatedPath {
  readonly github: GithubOidcEmulator;
  readonly entra: EntraEmulator;
  readonly gateway: GatewayEmulator;
  /** The runner's ID-token variables (permissions: id-token: write). */
  oidcEnv(): Record<string, string>;
  /** A verify run that exchanges the runner's token for the caller app's and probes GET /hello. */
  verifyInputs(): Record<string, string>;
  close(): Promise<void>;
}

export async function startFederatedPath(): Promise<FederatedPath> {
  const github = await startGithubOidc();
  const entra = await startEntra({ directory: directoryFor(github.issuer) });
  const gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: `${entra.url}/${TENANT}/v2.0`, audiences: [ORDERS_API.clientId] }],
      routes: [{ routeKey: 'GET /hello', authorizationType: 'JWT', authorizerId: 'entra' }, { routeKey: 'GET /health' }],
    },
  });
  return {
    github,
    entra,
    gateway,
    oidcEnv: () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken }),
    verifyInputs: () => ({
      command: 'verify',
      'api-url': gateway.url,
      paths: '/hello',
      'caller-client-id': CALLER.clientId,
      'tenant-id': TENANT,
      scope: `${ORDERS_API.uri}/.default`,
      cloud: 'local',
      'authority-host': entra.url,
      'timeout-seconds': '20',
    }),
    close: async () => {
      await Promise.all([github.close(), entra.close(), gateway.close()]);
    },
  };
}
