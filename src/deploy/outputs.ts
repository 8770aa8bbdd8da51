/** The terraform outputs of both stacks, typed, for the gate, the action outputs and the report. */
export interface DeployOutputs {
  readonly apiUrl?: string;
  readonly apiId?: string;
  readonly tenantId?: string;
  readonly apiClientId?: string;
  readonly identifierUri?: string;
  readonly callerClientId?: string;
  readonly scope?: string;
  readonly issuer?: string;
  readonly audiences?: readonly string[];
  readonly tokenEndpoint?: string;
  /** The decoy API's scope (identity stack with decoyAudience), for the wrong-audience probe. */
  readonly decoyScope?: string;
}

const KEYS: Record<string, keyof DeployOutputs> = {
  api_url: 'apiUrl',
  api_id: 'apiId',
  tenant_id: 'tenantId',
  api_client_id: 'apiClientId',
  identifier_uri: 'identifierUri',
  caller_client_id: 'callerClientId',
  scope: 'scope',
  issuer: 'issuer',
  audiences: 'audiences',
  token_endpoint: 'tokenEndpoint',
  decoy_scope: 'decoyScope',
};

/** Maps raw `terraform output -json` values (all stacks merged) onto {@link DeployOutputs}. Pure. */
export function typedOutputs(raw: Record<string, unknown>): DeployOutputs {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(KEYS)) {
    const value = raw[name];
    if (key === 'audiences') {
      if (Array.isArray(value)) out[key] = value.map(String);
    } else if (typeof value === 'string' && value !== '') {
      out[key] = value;
    }
  }
  return out as DeployOutputs;
}
