import { startEntra, type EntraEmulator } from '../../../src/local/entra';
import { startGateway, type GatewayEmulator } from '../../../src/local/gateway';
import { startGithubOidc, type GithubOidcEmulator } from '../../../src/local/github';
import { directoryFor, LEGACY_API, TENANT } from '../../local/idp/helpers';

export interface LegacyApiEmulators {
  readonly github: GithubOidcEmulator;
  readonly entra: EntraEmulator;
  readonly gateway: GatewayEmulator;
  close(): Promise<void>;
}

/**
 * GitHub OIDC, Entra ID (the test directory) and a gateway whose JWT authorizer on `GET /hello` trusts
 * the legacy API (v1 issuer, its App ID URI). That API requires no role assignment, so without one its
 * tokens simply lack `roles`: what Entra issues while a new assignment replicates.
 */
export async function startLegacyApiEmulators(): Promise<LegacyApiEmulators> {
  const github = await startGithubOidc();
  const entra = await startEntra({ directory: directoryFor(github.issuer) });
  const gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: entra.issuers(TENANT).v1, audiences: [LEGACY_API.uri] }],
      routes: [{ routeKey: 'GET /hello', authorizationType: 'JWT', authorizerId: 'entra' }],
    },
  });
  return { github, entra, gateway, close: async () => void (await Promise.all([github.close(), entra.close(), gateway.close()])) };
}
