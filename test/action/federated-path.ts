import { CALLER, ORDERS_API, TENANT } from '../local/idp/helpers';
import { startEmulatorPath, type EmulatorPath } from '../support/emulator-path';

/**
 * The whole federated path on loopback, for runs of the action bundle: GitHub OIDC → Entra exchange →
 * the gateway emulator's JWT authorizer (GET /hello protected, GET /health public).
 */
export interface FederatedPath extends EmulatorPath {
  /** The runner's ID-token variables (permissions: id-token: write). */
  oidcEnv(): Record<string, string>;
  /** A verify run that exchanges the runner's token for the caller app's and probes GET /hello. */
  verifyInputs(): Record<string, string>;
}

export async function startFederatedPath(): Promise<FederatedPath> {
  const path = await startEmulatorPath((entra) => ({ issuer: `${entra.url}/${TENANT}/v2.0`, audiences: [ORDERS_API.clientId] }), [{ routeKey: 'GET /health' }]);
  const { github, entra, gateway } = path;
  return {
    ...path,
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
  };
}
