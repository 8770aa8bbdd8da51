import { startEntra, type EntraEmulator } from '../../src/local/entra';
import { startGateway, type GatewayEmulator, type RouteDefinition } from '../../src/local/gateway';
import { startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { directoryFor } from '../local/idp/helpers';

export interface EmulatorPath {
  readonly github: GithubOidcEmulator;
  readonly entra: EntraEmulator;
  readonly gateway: GatewayEmulator;
  close(): Promise<void>;
}

/**
 * GitHub OIDC, Entra ID (the test directory, federated with that GitHub) and a gateway whose JWT
 * authorizer protects `GET /hello`, trusting the issuer and audiences `trust` names for this Entra.
 * `extraRoutes` are served beside it (public unless they say otherwise).
 */
export async function startEmulatorPath(
  trust: (entra: EntraEmulator) => { readonly issuer: string; readonly audiences: readonly string[] },
  extraRoutes: readonly RouteDefinition[] = [],
): Promise<EmulatorPath> {
  const github = await startGithubOidc();
  const entra = await startEntra({ directory: directoryFor(github.issuer) });
  const gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', ...trust(entra) }],
      routes: [{ routeKey: 'GET /hello', authorizationType: 'JWT', authorizerId: 'entra' }, ...extraRoutes],
    },
  });
  return {
    github,
    entra,
    gateway,
    close: async () => {
      await Promise.all([github.close(), entra.close(), gateway.close()]);
    },
  };
}
