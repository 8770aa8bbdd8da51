import { tokenEndpoint as tokenEndpointOf, type Cloud } from '../src/contract';
import { parseApiUrl } from '../src/contract/input-values';
import { InvalidInputError } from '../src/errors';
import type { GateSettingNames } from '../src/gate/names';
import { buildGateReport, type GateReport } from '../src/gate/report';
import { verifyApiGate } from '../src/gate/verify';
import { warmUpAttackerKeys } from '../src/gate/attacks/attacker-keys';
import { acquireToken, type TokenSourceConfig } from '../src/token/sources';
import type { GetIdToken } from '../src/token/request-id-token';
import type { DeployedApp } from './deploy-app';
import type { ActionInputs } from './inputs';

export interface GateContext {
  readonly cloud: Cloud;
  readonly getIDToken: GetIdToken;
  /** Called with every token the moment it exists (core.setSecret). */
  readonly mask: (secret: string) => void;
  readonly log: (line: string) => void;
  readonly warn: (line: string) => void;
}

/** The gate's settings as this action's inputs: fix texts name what the workflow can change. */
export const ACTION_SETTING_NAMES: GateSettingNames = {
  apiUrl: 'api-url',
  path: 'paths',
  method: 'method',
  timeout: 'timeout-seconds',
  expectUnauthenticated: 'expect-unauthenticated',
  expectAuthenticated: 'expect-authenticated',
  allowInsecureHttp: 'allow-insecure-http',
};

/** Exchange retry budget right after the identity stack changed. */
export const FRESH_CREDENTIAL_RETRY = { awaitReplication: true, retry: { maxAttempts: 40, deadlineMs: 300_000 } } as const;

export interface GateOutcome {
  readonly report: GateReport;
  readonly apiUrl: string;
}

/** Gets the access token (given, or GitHub OIDC exchanged at Entra), then probes the API until answers are stable. */
export async function gateApi(inputs: ActionInputs, ctx: GateContext, deployed?: DeployedApp): Promise<GateOutcome> {
  const outputs = deployed?.outputs ?? {};
  const given = inputs.apiUrl ?? outputs.apiUrl;
  if (given === undefined) throw new InvalidInputError('api-url', '', 'the API URL to gate (the deploy produced no api_url output)');
  // Checked before any token exists: a deployed api_url must be https too.
  const { url: apiUrl, cleartext } = parseApiUrl('api-url', given, { allowInsecureHttp: inputs.allowInsecureHttp, insecureSwitch: 'allow-insecure-http' });
  if (cleartext) ctx.warn(`allow-insecure-http: the token goes to ${apiUrl} over plain http, where anyone on the path can read and replay it`);
  const { paths, method } = probeTarget(inputs, ctx, deployed);
  // The attacker key (RSA 2048) is generated while the token is fetched, not after.
  if (inputs.negativeProbes) warmUpAttackerKeys();
  const source = tokenSource(inputs, ctx, deployed);
  // A federated credential created or changed by this very run takes minutes to reach every Entra
  // replica (AADSTS70021 until then): wait for it longer than for a credential that already existed.
  const freshCredential = deployed?.result.stacks.some((s) => s.name === 'identity' && s.changed) ?? false;
  if (freshCredential) ctx.log('identity changed in this run: allowing up to 5 min for the federated credential to propagate');
  const acquired = await acquireToken(source, { mask: ctx.mask, log: ctx.log, ...(freshCredential ? FRESH_CREDENTIAL_RETRY : {}) });
  // The decoy API our identity stack deploys gives same-issuer evidence; Microsoft Graph is the weaker fallback.
  const otherScope = inputs.otherAudienceScope ?? outputs.decoyScope ?? ctx.cloud.graphScope;
  const mint = acquired.mintForScope;
  // Our stacks grant the pipeline one of the API's roles; a token without it is "not yet" while the
  // assignment replicates, within the gate's deadline.
  const identityDeployed = deployed?.result.stacks.some((s) => s.name === 'identity') ?? false;
  const roles = source.kind === 'github-oidc' && identityDeployed ? deployed?.roles : undefined;
  const run = await verifyApiGate({
    apiUrl,
    paths,
    method,
    token: acquired.token,
    ...(mint && otherScope !== undefined ? { mintOtherAudienceToken: () => mint(otherScope) } : {}),
    ...(roles && mint && source.kind === 'github-oidc' ? { expectedRoles: roles, refreshToken: () => mint(source.scope) } : {}),
    negativeProbes: inputs.negativeProbes,
    expectUnauthenticated: inputs.expectUnauthenticated,
    expectAuthenticated: inputs.expectAuthenticated,
    timeoutMs: inputs.timeoutSeconds * 1000,
    ...(outputs.issuer !== undefined ? { expectedIssuer: outputs.issuer } : {}),
    ...(outputs.audiences !== undefined ? { expectedAudiences: outputs.audiences } : {}),
    allowInsecureHttp: inputs.allowInsecureHttp,
    names: ACTION_SETTING_NAMES,
    log: ctx.log,
  });
  return { report: buildGateReport(run), apiUrl: run.apiUrl };
}

/**
 * The paths input when set. At its default, after deploying our stacks, the first protected route of
 * the deployed config (no route answers `/` there), with its method unless the method input is set.
 */
function probeTarget(inputs: ActionInputs, ctx: GateContext, deployed?: DeployedApp): { paths: readonly string[]; method: string } {
  if (inputs.paths !== undefined) return { paths: inputs.paths, method: inputs.method ?? 'GET' };
  const probe = deployed?.probe;
  if (probe === undefined) return { paths: ['/'], method: inputs.method ?? 'GET' };
  const method = inputs.method ?? probe.method;
  ctx.log(`paths: probing ${method} ${probe.path}, from the first protected route of the deployed config (${probe.routeKey}); set paths to choose`);
  return { paths: [probe.path], method };
}

function tokenSource(inputs: ActionInputs, ctx: GateContext, deployed?: DeployedApp): TokenSourceConfig {
  if (inputs.token !== undefined) return { kind: 'given', token: inputs.token };
  const outputs = deployed?.outputs ?? {};
  const clientId = inputs.clientId ?? outputs.callerClientId;
  if (clientId === undefined) throw new InvalidInputError('client-id', '', "the caller app's client id (the deploy produced no caller_client_id output), or give token");
  const tenantId = inputs.tenantId ?? outputs.tenantId ?? deployed?.tenantId;
  const scope = inputs.scope ?? outputs.scope;
  if (scope === undefined) throw new InvalidInputError('scope', '', 'the scope to request, e.g. api://orders-api/.default (the deploy produced no scope output)');
  let tokenEndpoint = outputs.tokenEndpoint;
  if (inputs.tenantId !== undefined || tokenEndpoint === undefined) {
    if (tenantId === undefined) throw new InvalidInputError('tenant-id', '', 'the directory (tenant) id for the token exchange');
    tokenEndpoint = tokenEndpointOf(ctx.cloud, tenantId);
  }
  return {
    kind: 'github-oidc',
    getIDToken: ctx.getIDToken,
    tokenEndpoint,
    clientId,
    scope,
    cloud: ctx.cloud,
    ...(inputs.audience !== undefined ? { audience: inputs.audience } : {}),
  };
}
