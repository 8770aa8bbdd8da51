import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { DeployResult } from '../src/deploy/deploy';
import type { DeployOutputs } from '../src/deploy/outputs';
import type { DeployLog } from '../src/deploy/terraform';
import type { Cloud } from '../src/contract/clouds';
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
  /** The API's app roles, when our stacks were deployed: the caller is granted one of them. */
  readonly roles?: readonly string[];
}

const SAMPLE_LAMBDA = join('stacks', 'lambda', 'hello');

/**
 * Synthesizes our stacks from the config inputs and runs terraform/tofu. cdktf and the providers are
 * loaded here, lazily, so verify-only runs never parse or evaluate them.
 */
export async function deployApp(inputs: ActionInputs, ctx: DeployContext): Promise<DeployedApp> {
  const cwd = resolve(ctx.workspace, inputs.workingDirectory);
  if (inputs.app !== undefined) return deployUserApp(inputs.app, cwd, inputs, ctx);
  const { loadConfig, ConfigError } = await import('../stacks/config');
  const { synthesize } = await import('../stacks/synth');

  const overrides: Record<string, unknown> = { ...inputs.configOverrides };
  const caller: Record<string, unknown> = {};
  const subjects = inputs.subjects.length > 0 ? { subjects: [...inputs.subjects] } : inputs.subject === 'auto' ? await runnerSubject(inputs, ctx) : undefined;
  if (subjects) {
    caller['subjects'] = subjects.subjects;
    if (subjects.issuer !== undefined) caller['issuer'] = subjects.issuer;
  }
  const load = (extra: Record<string, unknown>) =>
    loadConfig({ cwd, env: ctx.env, overrides: { ...overrides, ...extra }, ...(inputs.configFile !== undefined ? { configFile: resolve(cwd, inputs.configFile) } : {}) });
  let config;
  try {
    config = load(Object.keys(caller).length > 0 ? { caller } : {});
  } catch (error) {
    // The caller's repository defaults to the one running the workflow, unless the config names one.
    if (!(error instanceof ConfigError) || !error.message.startsWith('config.caller') || !ctx.env.GITHUB_REPOSITORY) throw error;
    caller['repository'] = ctx.env.GITHUB_REPOSITORY;
    config = load({ caller });
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
    if (shipped) config = load({ ...(Object.keys(caller).length > 0 ? { caller } : {}), integration: { lambdaDir: relative(config.root, shipped) } });
  }

  const outdir = join(cwd, 'cdktf.out');
  const synth = synthesize(config, outdir);
  for (const stack of synth.stacks) for (const warning of stack.warnings) ctx.log.warning(`${stack.name}: ${warning}`);
  const result = await deploySynthesized(outdir, inputs, ctx);
  return { outputs: result.outputs, result, tenantId: config.tenantId, tokenVersion: config.tokenVersion, roles: config.appRoles.map((role) => role.value) };
}

/** `app`: the user's own cdktf app, synthesized like `cdktf synth` does, then deployed the same way. */
async function deployUserApp(app: string, cwd: string, inputs: ActionInputs, ctx: DeployContext): Promise<DeployedApp> {
  const { synthUserApp } = await import('../src/deploy/synth-app');
  const outdir = join(cwd, 'cdktf.out');
  await ctx.log.group('synth (your cdktf app)', () => synthUserApp({ cwd, ...(app === 'auto' ? {} : { command: app }), outdir, env: ctx.env, onLine: ctx.log.info }));
  const result = await deploySynthesized(outdir, inputs, ctx);
  const tenantId = result.outputs.tenantId ?? inputs.tenantId ?? '';
  const tokenVersion = result.outputs.issuer?.endsWith('/v2.0') === false ? 1 : 2;
  return { outputs: result.outputs, result, tenantId, tokenVersion };
}

/** Applies (or plans, or destroys) whatever was synthesized into `outdir`, as the inputs say. */
async function deploySynthesized(outdir: string, inputs: ActionInputs, ctx: DeployContext): Promise<DeployResult> {
  const { deployStacks } = await import('../src/deploy/deploy');
  return deployStacks({
    outdir,
    mode: inputs.command === 'plan' ? 'plan' : inputs.command === 'destroy' ? 'destroy' : 'apply',
    ...(inputs.stacks ? { stacks: inputs.stacks } : {}),
    binary: inputs.terraform,
    lockTimeout: inputs.lockTimeout,
    env: ctx.env,
    ci: ctx.env.CI === 'true' || ctx.env.GITHUB_ACTIONS === 'true',
    allowLocalBackend: inputs.allowLocalBackend,
    log: ctx.log,
  });
}

/**
 * `subject: auto`: the federated credential trusts exactly the `sub` (and `iss`) of this runner's own
 * OIDC token, so case and immutable-id formats always match what the exchange will present.
 */
async function runnerSubject(inputs: ActionInputs, ctx: DeployContext): Promise<{ subjects: string[]; issuer?: string } | undefined> {
  try {
    const token = await requestGithubIdToken({ getIDToken: ctx.getIDToken, mask: ctx.mask, cloud: ctx.cloud, ...(inputs.audience !== undefined ? { audience: inputs.audience } : {}) });
    const claims = decodeClaimsForLogging(token);
    if (!claims.sub) throw new Error('the runner OIDC token has no sub claim');
    ctx.log.info(`subject auto: trusting sub ${claims.sub} from ${claims.iss ?? 'an unknown issuer'}`);
    return { subjects: [claims.sub], ...(claims.iss !== undefined ? { issuer: claims.iss } : {}) };
  } catch (error) {
    // A plan (e.g. on a fork's pull request) can go on with the configured subjects.
    if (inputs.command === 'plan') {
      ctx.log.warning(`subject auto: no runner OIDC token (${(error as Error).message}); planning with the configured subjects`);
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
  caller: { readonly repository: string; readonly ownerId?: unknown; readonly repositoryId?: unknown; readonly immutableIds?: unknown; readonly subjectFormat?: string },
): { ownerId: string; repositoryId: string } | undefined {
  const ownerId = env.GITHUB_REPOSITORY_OWNER_ID;
  const repositoryId = env.GITHUB_REPOSITORY_ID;
  if (!ownerId || !repositoryId || !/^\d+$/.test(ownerId) || !/^\d+$/.test(repositoryId)) return undefined;
  if (caller.ownerId !== undefined || caller.repositoryId !== undefined || caller.immutableIds !== undefined || caller.subjectFormat === 'names') return undefined;
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
