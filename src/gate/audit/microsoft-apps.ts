/**
 * Microsoft first-party applications: resources any tenant member or workload can get a token for.
 * An authorizer that lists one among its audiences lets in every such token of the tenant (for
 * Microsoft Graph: every app that calls Graph). App ids are the same in every tenant; resource URIs
 * are listed per cloud. Sources: the apps' well-known appIds and resource URIs (Entra's
 * "first-party apps" lists, the clouds' endpoints in protocols.md §2).
 */
export interface MicrosoftApp {
  readonly name: string;
  readonly appId: string;
  /** Resource URIs (App ID URIs) that v1 tokens carry as `aud`, every cloud. */
  readonly uris: readonly string[];
}

export const MICROSOFT_FIRST_PARTY_APPS: readonly MicrosoftApp[] = [
  {
    name: 'Microsoft Graph',
    appId: '00000003-0000-0000-c000-000000000000',
    uris: [
      'https://graph.microsoft.com',
      'https://graph.microsoft.us',
      'https://dod-graph.microsoft.us',
      'https://microsoftgraph.chinacloudapi.cn',
      'https://canary.graph.microsoft.com',
    ],
  },
  { name: 'Azure AD Graph', appId: '00000002-0000-0000-c000-000000000000', uris: ['https://graph.windows.net', 'https://graph.chinacloudapi.cn'] },
  {
    name: 'Azure Resource Manager (Windows Azure Service Management API)',
    appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
    uris: [
      'https://management.azure.com',
      'https://management.core.windows.net',
      'https://management.usgovcloudapi.net',
      'https://management.core.usgovcloudapi.net',
      'https://management.chinacloudapi.cn',
      'https://management.core.chinacloudapi.cn',
    ],
  },
  {
    name: 'Azure Key Vault',
    appId: 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093',
    uris: ['https://vault.azure.net', 'https://vault.usgovcloudapi.net', 'https://vault.azure.cn'],
  },
  { name: 'Azure Storage', appId: 'e406a681-f3d4-42a8-90b6-c2b029497af1', uris: ['https://storage.azure.com'] },
  {
    name: 'Azure SQL Database',
    appId: '022907d3-0f1b-48f7-badc-1ba6abab6d66',
    uris: ['https://database.windows.net', 'https://database.usgovcloudapi.net', 'https://database.chinacloudapi.cn'],
  },
  { name: 'Azure DevOps', appId: '499b84ac-1321-427f-aa17-267ca6975798', uris: ['https://app.vssps.visualstudio.com'] },
  { name: 'Office 365 Exchange Online', appId: '00000002-0000-0ff1-ce00-000000000000', uris: ['https://outlook.office365.com', 'https://outlook.office.com'] },
  { name: 'Office 365 SharePoint Online', appId: '00000003-0000-0ff1-ce00-000000000000', uris: [] },
  { name: 'Office 365 Management APIs', appId: 'c5393580-f805-4401-95e8-94b7a6ef2fc2', uris: ['https://manage.office.com'] },
  { name: 'Power BI Service', appId: '00000009-0000-0000-c000-000000000000', uris: ['https://analysis.windows.net/powerbi/api'] },
  { name: 'Microsoft Teams Services', appId: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', uris: ['https://api.spaces.skype.com'] },
];

/** Compared without case, scheme-and-host URIs without a trailing slash (`https://graph.microsoft.com/` is Graph too). */
function normalize(audience: string): string {
  return audience.trim().toLowerCase().replace(/\/+$/, '');
}

const BY_AUDIENCE: ReadonlyMap<string, MicrosoftApp> = new Map(
  MICROSOFT_FIRST_PARTY_APPS.flatMap((app) => [app.appId, ...app.uris].map((value) => [normalize(value), app] as const)),
);

/** The Microsoft first-party application an audience names (its app id or a resource URI), if any. Pure. */
export function microsoftAppOf(audience: string): MicrosoftApp | undefined {
  return BY_AUDIENCE.get(normalize(audience));
}
