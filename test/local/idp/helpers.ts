import type { DirectorySpec } from '../../../src/local/entra';
import { JWT_BEARER_ASSERTION_TYPE } from '../../../src/local/entra';

export const TENANT = 'b5c1a3e0-7d2f-4e6a-9c81-2f4d6e8a0b13';
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

export const ORDERS_API = {
  clientId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
  objectId: '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d',
  spObjectId: '2b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e',
  uri: 'api://orders-api',
};
export const LEGACY_API = {
  clientId: '3c4d5e6f-7a8b-4c3d-8e4f-5a6b7c8d9e0f',
  objectId: '4d5e6f7a-8b9c-4d4e-9f5a-6b7c8d9e0f1a',
  spObjectId: '5e6f7a8b-9c0d-4e5f-8a6b-7c8d9e0f1a2b',
  uri: 'api://legacy-api',
};
export const LOCKED_API = {
  clientId: '6f7a8b9c-0d1e-4f6a-9b7c-8d9e0f1a2b3c',
  objectId: '7a8b9c0d-1e2f-4a7b-8c8d-9e0f1a2b3c4d',
  spObjectId: '8b9c0d1e-2f3a-4b8c-9d9e-0f1a2b3c4d5e',
  uri: 'api://locked-api',
};
export const ORPHAN_API = { clientId: '9c0d1e2f-3a4b-4c9d-8e0f-1a2b3c4d5e6f', objectId: '0d1e2f3a-4b5c-4d0e-9f1a-2b3c4d5e6f7a', uri: 'api://orphan-api' };
export const CALLER = {
  clientId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  objectId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
  spObjectId: 'c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f',
};
export const NO_SP_CALLER = { clientId: 'd4e5f6a7-b8c9-4d0e-9f2a-3b4c5d6e7f8a', objectId: 'e5f6a7b8-c9d0-4e1f-8a3b-4c5d6e7f8a9b' };
export const DEPLOY_ROLE = { id: 'f6a7b8c9-d0e1-4f2a-9b4c-5d6e7f8a9b0c', value: 'Orders.Deploy' };
export const LEGACY_ROLE = { id: '07b8c9d0-e1f2-4a3b-8c5d-6e7f8a9b0c1d', value: 'Legacy.Call' };
export const CALLER_SECRET = 'local-only-secret-value';

/** `verify`'s token-exchange flags against the Entra emulator at `authorityHost`: the caller app (or `clientId`) for the orders API. */
export function entraExchangeFlags(authorityHost: string, clientId = CALLER.clientId): string[] {
  return ['--tenant-id', TENANT, '--client-id', clientId, '--scope', `${ORDERS_API.uri}/.default`, '--cloud', 'local', '--authority-host', authorityHost];
}
/** The emulated repository as its tokens name it by default: the immutable owner@id/repo@id form. */
export const REPO = 'repo:octo-org@19186251/orders-api@892311047';
export const MAIN_SUBJECT = `${REPO}:ref:refs/heads/main`;

/** A realistic directory: a v2 API, a v1 API, a locked API, an API without SP and a pipeline caller. */
export function directoryFor(githubIssuer: string): DirectorySpec {
  return {
    tenants: {
      [TENANT]: {
        displayName: 'Contoso Local',
        applications: [
          {
            displayName: 'orders-api',
            clientId: ORDERS_API.clientId,
            objectId: ORDERS_API.objectId,
            identifierUris: [ORDERS_API.uri],
            tokenVersion: 2,
            appRoles: [{ ...DEPLOY_ROLE, allowedMemberTypes: ['Application'] }],
          },
          {
            displayName: 'legacy-api',
            clientId: LEGACY_API.clientId,
            objectId: LEGACY_API.objectId,
            identifierUris: [LEGACY_API.uri],
            tokenVersion: 1,
            appRoles: [{ ...LEGACY_ROLE, allowedMemberTypes: ['Application'] }],
          },
          { displayName: 'locked-api', clientId: LOCKED_API.clientId, objectId: LOCKED_API.objectId, identifierUris: [LOCKED_API.uri], tokenVersion: 2 },
          { displayName: 'orphan-api', clientId: ORPHAN_API.clientId, objectId: ORPHAN_API.objectId, identifierUris: [ORPHAN_API.uri], tokenVersion: 2 },
          {
            displayName: 'orders-deployer',
            clientId: CALLER.clientId,
            objectId: CALLER.objectId,
            federatedCredentials: [
              { name: 'github-main', issuer: githubIssuer, subject: MAIN_SUBJECT, audiences: [FEDERATION_AUDIENCE] },
              { name: 'github-production', issuer: githubIssuer, subject: `${REPO}:environment:production`, audiences: [FEDERATION_AUDIENCE] },
              {
                name: 'github-release-tags',
                issuer: githubIssuer,
                claimsMatchingExpression: `claims['sub'] matches '${REPO}:ref:refs/tags/v*' and claims['job_workflow_ref'] matches 'octo-org/orders-api/.github/workflows/*.yml@*'`,
                audiences: [FEDERATION_AUDIENCE],
              },
            ],
            passwords: [{ displayName: 'local', value: CALLER_SECRET }],
          },
          { displayName: 'no-sp-caller', clientId: NO_SP_CALLER.clientId, objectId: NO_SP_CALLER.objectId, passwords: [{ value: CALLER_SECRET }] },
        ],
        servicePrincipals: [
          { clientId: ORDERS_API.clientId, objectId: ORDERS_API.spObjectId, appRoleAssignmentRequired: true },
          { clientId: LEGACY_API.clientId, objectId: LEGACY_API.spObjectId },
          { clientId: LOCKED_API.clientId, objectId: LOCKED_API.spObjectId, appRoleAssignmentRequired: true },
          { clientId: CALLER.clientId, objectId: CALLER.spObjectId },
        ],
        appRoleAssignments: [
          { principalObjectId: CALLER.spObjectId, resourceObjectId: ORDERS_API.spObjectId, appRoleId: DEPLOY_ROLE.id },
          { principalObjectId: CALLER.spObjectId, resourceObjectId: LEGACY_API.spObjectId, appRoleId: LEGACY_ROLE.id },
        ],
      },
    },
  };
}

export interface TokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** POSTs a form to the Entra emulator's v2.0 token endpoint. */
export async function postToken(
  authorityHost: string,
  tenant: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<TokenAnswer> {
  const response = await fetch(`${authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The form a pipeline sends: client credentials with a federated assertion. */
export function assertionForm(assertion: string, scope = `${ORDERS_API.uri}/.default`, clientId = CALLER.clientId): Record<string, string> {
  return { client_id: clientId, scope, grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion };
}

export function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function decodeHeader(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public ms = Date.UTC(2026, 0, 15, 9, 30, 0)) {}

  now(): number {
    return this.ms;
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
