import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { DeployResult } from '../src/deploy/deploy';
import type { DeployOutputs } from '../src/deploy/outputs';
import type { DeployLog } from '../src/deploy/terraform';
import { resolveCloud, type Cloud } from '../src/contract/clouds';
import { InvalidInputError } from '../src/errors';
import { decodeClaimsForLogging } from '../src/token/decode-claims';
import { requestGithubIdToken, type GetIdToken } from '../src/token/request-id-token';
import type { ActionInputs } from './inputs';

/** What the action needs from its surroundings for a deploy; main.ts fills it from the runner. */
export interface DeployContext {
  readonly env: Record<string, string | undefined>;
  /** Folder the user's paths are relative to (GITHUB_WORKSPACE). */
  readonly workspace: string;
  readonly cloud: Cloud;
  readonly getIDToken: GetIdToken;
  readonly mask: (secret: string) => void;
  readonly log: DeployLog & { warning(line: string): void };
}

export interface DeployedApp {
  readonly outputs: DeployOutputs;
  readonly result: DeployResult;
  readonly tenantId: string;
  readonly tokenVersion: 1 | 2;
  /** The cloud the deployed config trusts (the cloud input when set). */
  readonly cloud: Cloud;
  /** What our config declares, when our stacks were deployed: drift and public routes are judged against it. */
  readonly declared?: { readonly routes: readonly string[]; readonly publicRoutes: readonly string[] };
  /** Where our config deployed the API: the control plane is read there. */
  readonly aws?: { readonly region: string; readonly endpoint?: string };
  /** The API's app roles, when our stacks were deployed: the caller is granted one of them. */
  readonly roles?: readonly string[];
}

/** GitHub events whose OIDC subject a deploy must never trust on its own. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

const SAMPLE_LAMBDA = join('stacks', 'lambda', 'hello');

/**
 * Synthesizes our stacks from the config inputs and runs terraform/tofu. cdktf and the providers are
 * loaded here, lazily, so verify-only runs never parse or evaluate them.
 */
export async function deployApp(inputs: ActionInputs, ctx: DeployContext): Promise<DeployedApp> {
  const cwd = resolve(ctx.workspace, inputs.workingDirectory);
  if (inputs.app !== undefined) return deployUserApp(inputs.app, cwd, inputs, ctx);
  const { loadConfig, mergeConfigLayers } = await import('../stacks/config');
  const { synthesize } = await import('../stacks/synth');

  const configOptions = { cwd, env: ctx.env, ...(inputs.configFile !== undefined ? { configFile: resolve(cwd, inputs.configFile) } : {}) };
  const configured = mergeConfigLayers({ ...configOptions, overrides: { ...inputs.configOverrides } });
  const caller: Record<string, unknown> = {};
  if (inputs.subjects.length > 0) caller['subjects'] = [...inputs.subjects];
  // The caller's repository defaults to the one running the workflow, unless the config names one.
  if (callerField(configured, 'repository') === undefined && ctx.env.GITHUB_REPOSITORY) caller['repository'] = ctx.env.GITHUB_REPOSITORY;
  const load = (extra: Record<string, unknown>) => loadConfig({ ...configOptions, overrides: { ...inputs.configOverrides, ...extra } });
  const callerLayer = () => (Object.keys(caller).length > 0 ? { caller } : {});
  let config = load(callerLayer());
  const cloud = inputs.cloud !== undefined ? ctx.cloud : resolveCloud(config.cloud ?? 'public', config.authorityHost);

  const identityDeployed = inputs.stacks === undefined || inputs.stacks.includes('identity');
  if (inputs.subjectMode === 'auto' && identityDeployed) {
    // Configured subjects (input, config file, cdktf.json) always win; auto only fills the gap left
    // by the schema's default, and never on a pull request.
    if (inputs.subjects.length > 0 || callerField(configured, 'subjects') !== undefined) {
      ctx.log.info(`${inputs.inputNames['subject-mode']} auto: subjects are configured, so the caller trusts exactly ${config.subjects.join(', ')}`);
    } else {
      const auto = await runnerSubject(inputs, { ...ctx, cloud });
      if (auto) {
        caller['subjects'] = auto.subjects;
        if (auto.issuer !== undefined) caller['issuer'] = auto.issuer;
        config = load(callerLayer());
      }
    }
  }
  // The runner knows this repository's immutable ids: subjects then take the form its tokens carry.
  const ids = runnerRepositoryIds(ctx.env, config.caller);
  if (ids) {
    Object.assign(caller, ids);
    config = load({ caller });
  }
  // The sample Lambda ships with the action, not with the user's repository.
  const integration = config.integration;
  if ('lambdaDir' in integration && integration.lambdaDir === 'stacks/lambda/hello' && !existsSync(join(config.root, integration.lambdaDir))) {
    const shipped = findShippedLambda();
    if (shipped) config = load({ ...callerLayer(), integration: { lambdaDir: relative(config.root, shipped) } });
  }

  const outdir = join(cwd, 'cdktf.out');
  const synth = synthesize(config, outdir);
  for (const stack of synth.stacks) for (const warning of stack.warnings) ctx.log.warning(`${stack.name}: ${warning}`);
  const result = await deploySynthesized(outdir, inputs, ctx);
  const declared = { routes: config.routes.map((r) => r.routeKey), publicRoutes: config.routes.filter((r) => r.public === true).map((r) => r.routeKey) };
  const aws = { region: config.aws.region, ...(config.aws.endpoint !== undefined ? { endpoint: config.aws.endpoint } : {}) };
  return {
    outputs: result.outputs,
    result,
    tenantId: config.tenantId,
    tokenVersion: config.tokenVersion,
    cloud,
    roles: config.appRoles.map((role) => role.value),
    declared,
    aws,
  };
}

function callerField(configured: Record<string, unknown>, key: string): unknown {
  const caller = configured['caller'];
  return typeof caller === 'object' && caller !== null ? (caller as Record<string, unknown>)[key] : undefined;
}

/** `app`: the user's own cdktf app, synthesized like `cdktf synth` does, then deployed the same way. */
async function deployUserApp(app: string, cwd: string, inputs: ActionInputs, ctx: DeployContext): Promise<DeployedApp> {
  const { synthUserApp } = await import('../src/deploy/synth-app');
  const outdir = join(cwd, 'cdktf.out');
  await ctx.log.group('synth (your cdktf app)', () =>
    synthUserApp({ cwd, ...(app === 'auto' ? {} : { command: app }), outdir, env: ctx.env, onLine: ctx.log.info }),
  );
  const result = await deploySynthesized(outdir, inputs, ctx);
  const tenantId = result.outputs.tenantId ?? inputs.tenantId ?? '';
  const tokenVersion = result.outputs.issuer?.endsWith('/v2.0') === false ? 1 : 2;
  return { outputs: result.outputs, result, tenantId, tokenVersion, cloud: ctx.cloud };
}

/** Applies (or plans, or destroys) whatever was synthesized into `outdir`, as the inputs say. */
async function deploySynthesized(outdir: string, inputs: ActionInputs, ctx: DeployContext): Promise<DeployResult> {
  const { deployStacks } = await import('../src/deploy/deploy');
  return deployStacks({
    outdir,
    mode: inputs.command === 'plan' ? 'plan' : inputs.command === 'destroy' ? 'destroy' : 'apply',
    ...(inputs.stacks ? { stacks: inputs.stacks } : {}),
    binary: inputs.terraformBinary,
    lockTimeout: inputs.lockTimeout,
    env: ctx.env,
    ci: ctx.env.CI === 'true' || ctx.env.GITHUB_ACTIONS === 'true',
    allowLocalBackend: inputs.allowLocalBackend,
    log: ctx.log,
  });
}

/**
 * `subject-mode: auto`, when no subjects are configured: the federated credential trusts exactly the `sub`
 * (and `iss`) of this runner's own OIDC token, so case and immutable-id formats always match what the
 * exchange will present. Never on pull requests: whoever opens one would get a trusted credential.
 */
async function runnerSubject(inputs: ActionInputs, ctx: DeployContext): Promise<{ subjects: string[]; issuer?: string } | undefined> {
  const event = ctx.env.GITHUB_EVENT_NAME ?? '';
  const mode = inputs.inputNames['subject-mode'];
  if (PULL_REQUEST_EVENTS.has(event)) {
    if (inputs.command === 'plan') {
      ctx.log.warning(`${mode} auto: not on a ${event} event; planning with the configured subjects`);
      return undefined;
    }
    throw new InvalidInputError(
      mode,
      'auto',
      `subjects set explicitly on ${event} events (auto would trust whatever pull request runs this): set the subjects input (e.g. pull_request) or config caller.subjects`,
    );
  }
  try {
    const token = await requestGithubIdToken({
      getIDToken: ctx.getIDToken,
      mask: ctx.mask,
      cloud: ctx.cloud,
      ...(inputs.oidcAudience !== undefined ? { audience: inputs.oidcAudience } : {}),
    });
    const claims = decodeClaimsForLogging(token);
    if (!claims.sub) throw new Error('the runner OIDC token has no sub claim');
    ctx.log.info(`${mode} auto: trusting sub ${claims.sub} from ${claims.iss ?? 'an unknown issuer'} (no subjects are configured; set subjects to choose)`);
    return { subjects: [claims.sub], ...(claims.iss !== undefined ? { issuer: claims.iss } : {}) };
  } catch (error) {
    // A plan (e.g. on a fork's pull request) can go on with the configured subjects.
    if (inputs.command === 'plan') {
      ctx.log.warning(`${mode} auto: no runner OIDC token (${(error as Error).message}); planning with the configured subjects`);
      return undefined;
    }
    throw error;
  }
}

/**
 * GITHUB_REPOSITORY_OWNER_ID and GITHUB_REPOSITORY_ID, when the config's caller is the repository
 * running the workflow and names neither the ids nor `subjectFormat: names` (issue [4] item 1).
 */
export function runnerRepositoryIds(
  env: Record<string, string | undefined>,
  caller: {
    readonly repository: string;
    readonly ownerId?: unknown;
    readonly repositoryId?: unknown;
    readonly immutableIds?: unknown;
    readonly subjectFormat?: string;
  },
): { ownerId: string; repositoryId: string } | undefined {
  const ownerId = env.GITHUB_REPOSITORY_OWNER_ID;
  const repositoryId = env.GITHUB_REPOSITORY_ID;
  if (!ownerId || !repositoryId || !/^\d+$/.test(ownerId) || !/^\d+$/.test(repositoryId)) return undefined;
  if (caller.ownerId !== undefined || caller.repositoryId !== undefined || caller.immutableIds !== undefined || caller.subjectFormat === 'names')
    return undefined;
  if (env.GITHUB_REPOSITORY?.toLowerCase() !== caller.repository.toLowerCase()) return undefined;
  return { ownerId, repositoryId };
}

/** The sample Lambda folder next to the action (action/dist/index.js → ../../stacks/lambda/hello). */
function findShippedLambda(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, SAMPLE_LAMBDA);
    if (existsSync(join(candidate, 'index.js'))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}
