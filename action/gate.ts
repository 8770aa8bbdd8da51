import { tokenEndpoint as tokenEndpointOf, type Cloud } from '../src/contract';
import { parseApiUrl } from '../src/contract/input-values';
import { InvalidInputError } from '../src/errors';
import type { DeployedApi } from '../src/gate/control-plane/types';
import { runGatePipeline } from '../src/gate/pipeline';
import type { GateReport } from '../src/gate/report';
import type { TokenSourceConfig } from '../src/token/sources';
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

/** Exchange retry budget right after the identity stack changed. */
export const FRESH_CREDENTIAL_RETRY = { awaitReplication: true, retry: { maxAttempts: 40, deadlineMs: 300_000 } } as const;

export interface GateOutcome {
  readonly report: GateReport;
  readonly apiUrl: string;
}

/**
 * Reads the API from the control plane when its id is known (the api-id input, or the deploy's api_id
 * output), then runs the one token → gate → report pipeline: every deployed route probed, the
 * authorizers behind them audited.
 */
export async function gateApi(inputs: ActionInputs, ctx: GateContext, deployed?: DeployedApp): Promise<GateOutcome> {
  const outputs = deployed?.outputs ?? {};
  const apiId = inputs.apiId ?? outputs.apiId;
  const given = inputs.apiUrl ?? outputs.apiUrl;
  if (given === undefined && apiId === undefined)
    throw new InvalidInputError('api-url', '', 'the API URL to gate, or api-id (the deploy produced no api_url or api_id output)');
  // Checked before any token exists: a deployed api_url must be https too.
  const parsedUrl =
    given === undefined
      ? undefined
      : parseApiUrl('api-url', given, { allowInsecureHttp: inputs.allowInsecureHttp, insecureSwitch: inputs.settingNames.allowInsecureHttp });
  if (parsedUrl?.cleartext)
    ctx.warn(`allow-insecure-http: the token goes to ${parsedUrl.url} over plain http, where anyone on the path can read and replay it`);
  const ours = deployed?.declared !== undefined && apiId !== undefined && apiId === outputs.apiId;
  const api = apiId !== undefined ? await readApi(apiId, inputs, ctx, ours ? deployed?.aws : undefined) : undefined;
  if (api === undefined && inputs.paths === undefined) {
    const noId = inputs.verifyOnly ? 'there is no api-id' : 'there is no api-id (and the deploy gave no api_id output)';
    ctx.warn(`paths: auto probes the deployed routes, but ${noId} to read them from AWS; probing / only. Set api-id, or list paths`);
  }
  const source = tokenSource(inputs, ctx, deployed);
  // A federated credential created or changed by this very run takes minutes to reach every Entra
  // replica (AADSTS70021 until then): wait for it longer than for a credential that already existed.
  const freshCredential = deployed?.result.stacks.some((s) => s.name === 'identity' && s.changed) ?? false;
  if (freshCredential) ctx.log('identity changed in this run: allowing up to 5 min for the federated credential to propagate');
  // The decoy API our identity stack deploys gives same-issuer evidence; Microsoft Graph is the weaker fallback.
  const otherScope = inputs.otherAudienceScope ?? outputs.decoyScope ?? ctx.cloud.graphScope;
  // Our stacks grant the pipeline one of the API's roles; a token without it is "not yet" while the
  // assignment replicates, within the gate's deadline.
  const identityDeployed = deployed?.result.stacks.some((s) => s.name === 'identity') ?? false;
  const roles = source.kind === 'github-oidc' && identityDeployed ? deployed?.roles : undefined;
  const { report } = await runGatePipeline({
    ...(parsedUrl ? { apiUrl: parsedUrl.url } : {}),
    ...(api ? { deployed: api } : {}),
    publicRoutes: [...new Set([...inputs.publicRoutes, ...(ours ? (deployed?.declared?.publicRoutes ?? []) : [])])],
    allowAuthorizers: inputs.allowAuthorizers,
    ...(ours && deployed?.declared ? { declaredRoutes: deployed.declared.routes } : {}),
    source,
    tokenDeps: { mask: ctx.mask, ...(freshCredential ? FRESH_CREDENTIAL_RETRY : {}) },
    ...(otherScope !== undefined ? { otherAudienceScope: otherScope } : {}),
    ...(roles ? { expectedRoles: roles } : {}),
    paths: inputs.paths ?? (api ? [] : ['/']),
    ...(inputs.method !== undefined ? { method: inputs.method } : {}),
    negativeProbes: inputs.negativeProbes,
    expectUnauthenticated: inputs.expectUnauthenticated,
    expectAuthenticated: inputs.expectAuthenticated,
    timeoutMs: inputs.timeoutSeconds * 1000,
    ...(outputs.issuer !== undefined ? { expectedIssuer: outputs.issuer } : {}),
    ...(outputs.audiences !== undefined ? { expectedAudiences: outputs.audiences } : {}),
    allowInsecureHttp: inputs.allowInsecureHttp,
    names: inputs.settingNames,
    log: ctx.log,
  });
  return { report, apiUrl: report.apiUrl };
}

/**
 * The API from the control plane (a bundle file of its own: the AWS SDK loads only when there is an
 * API id). Our config's region and endpoint when we deployed it; otherwise the SDK's chains
 * (AWS_REGION, AWS_ENDPOINT_URL, the credentials aws-actions/configure-aws-credentials exported).
 */
async function readApi(apiId: string, inputs: ActionInputs, ctx: GateContext, aws: DeployedApp['aws']): Promise<DeployedApi> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain require keeps the bundle's file name resolvable
  const { readApiFromControlPlane } = require('./control-plane-reader') as typeof import('./control-plane-reader');
  return readApiFromControlPlane({
    apiId,
    ...(inputs.stage !== undefined ? { stage: inputs.stage } : {}),
    ...(aws ? { region: aws.region, ...(aws.endpoint !== undefined ? { endpoint: aws.endpoint } : {}) } : {}),
    names: { apiId: 'api-id', region: 'AWS_REGION', stage: 'stage' },
    log: ctx.log,
  });
}

function tokenSource(inputs: ActionInputs, ctx: GateContext, deployed?: DeployedApp): TokenSourceConfig {
  if (inputs.token !== undefined) return { kind: 'given', token: inputs.token };
  const outputs = deployed?.outputs ?? {};
  const clientId = inputs.clientId ?? outputs.callerClientId;
  if (clientId === undefined)
    throw new InvalidInputError('caller-client-id', '', "the caller app's client id (the deploy produced no caller_client_id output), or give token");
  const tenantId = inputs.tenantId ?? outputs.tenantId ?? deployed?.tenantId;
  const scope = inputs.scope ?? outputs.scope;
  if (scope === undefined)
    throw new InvalidInputError('scope', '', 'the scope to request, e.g. api://orders-api/.default (the deploy produced no scope output)');
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
    ...(inputs.oidcAudience !== undefined ? { audience: inputs.oidcAudience } : {}),
  };
}
