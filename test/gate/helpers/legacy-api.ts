import { startEmulatorPath, type EmulatorPath } from '../../support/emulator-path';
import { LEGACY_API, TENANT } from '../../local/idp/helpers';

export type LegacyApiEmulators = EmulatorPath;

/**
 * GitHub OIDC, Entra ID (the test directory) and a gateway whose JWT authorizer on `GET /hello` trusts
 * the legacy API (v1 issuer, its App ID URI). That API requires no role assignment, so without one its
 * tokens simply lack `roles`: what Entra issues while a new assignment replicates.
 */
export function startLegacyApiEmulators(): Promise<LegacyApiEmulators> {
  return startEmulatorPath((entra) => ({ issuer: entra.issuers(TENANT).v1, audiences: [LEGACY_API.uri] }));
}
