import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployStacks, findProviderMirror, mirrorAwsVersion, writeMirrorCliConfig } from '../../deploy';
import { resolveCloud, tokenContract } from '../../contract';
import { GuardError } from '../../errors';
import { renderGateMarkdown, runGatePipeline, warmUpAttackerKeys, type DeployedApi, type GateReport, type GateRun } from '../../gate';
import { readApiFromControlPlane } from '../../gate/control-plane/fleet';
import { startEntra, loadIdentityStack } from '../entra';
import { describeIntegration, gatewayFlaw, gatewayFromDeployedApi, gatewayFromStack, stackLambdas, startGateway, type GatewayDefinition } from '../gateway';
import { GITHUB_RUN_DEFAULTS, startGithubOidc } from '../github';
import { startMoto } from '../moto';
import { assertTerraformEngine, detectEngine, type Engine } from './engine';
import {
  breakCallerConfig,
  breakDefinition,
  breakDirectory,
  describeBreakMode,
  IDENTITY_BREAKS,
  isAuthorizerFlaw,
  startCarelessApi,
  type BreakMode,
  type RehearsalFaults,
} from './faults';

/** Synthesizes the stacks for the local profile (stacks/ owns cdktf; injected to keep this module free of it). */
export type SynthLocal = (
  overrides: Record<string, unknown>,
  outdir: string,
) => {
  stacks: readonly { name: string; workingDirectory: string }[];
  config: { tenantId: string; apiName: string; aws: { region: string }; routes: readonly { routeKey: string; public?: boolean }[] };
};

export interface RehearsalOptions {
  readonly synth: SynthLocal;
  /** @default 'terraform' when terraform, moto_server and the provider mirror are present, else 'emulate' */
  readonly engine?: Engine;
  readonly breakMode?: BreakMode;
  /** Faults in the emulators, e.g. Entra's replication delay (`--fault replication-delay=15`). */
  readonly faults?: RehearsalFaults;
  /** Environment for terraform and the mirror lookup (passed in from the edge). */
  readonly env: Record<string, string | undefined>;
  readonly log: (line: string) => void;
  /** Aborts the rehearsal (Ctrl-C): everything started is stopped. */
  readonly signal?: AbortSignal;
  /** @default 20 */
  readonly timeoutSeconds?: number;
}

export interface Rehearsal {
  readonly engine: Engine;
  readonly run: GateRun;
  readonly report: GateReport;
  readonly markdown: string;
  /** Each step with its wall time; `ok: false` when its result is a failure (the gate failed). */
  readonly steps: readonly RehearsalStep[];
  /** Which integration answers each route: the stack's own Lambda, or a stand-in that proves less. */
  readonly integrations: readonly { readonly route: string; readonly integration: string }[];
  /** What the exchange and the gate met while the new identity replicated (empty when nothing was waited for). */
  readonly replication: ReplicationWait;
  readonly urls: { readonly api: string; readonly entra: string; readonly github: string };
  /** What a person needs to repeat the exchange by hand (`--keep`); the request token is a secret. */
  readonly secrets: {
    readonly requestUrl: string;
    readonly requestToken: string;
    readonly tokenEndpoint: string;
    readonly clientId: string;
    readonly scope: string;
  };
  /** Stops every emulator and process the rehearsal started. */
  close(): Promise<void>;
}

export interface RehearsalStep {
  readonly name: string;
  readonly ms: number;
  readonly ok: boolean;
}

export interface ReplicationWait {
  /** Refusals and role-less tokens in the order first seen, with how often each came. */
  readonly seen: readonly { readonly what: string; readonly count: number }[];
}

/** Counts what the waiting exchange and gate saw, for the summary line. */
function replicationTally(): { note: (what: string) => void; result: () => ReplicationWait; line: () => string | undefined } {
  const counts = new Map<string, number>();
  const note = (what: string) => void counts.set(what, (counts.get(what) ?? 0) + 1);
  const result = (): ReplicationWait => ({ seen: [...counts].map(([what, count]) => ({ what, count })) });
  const line = () =>
    counts.size === 0 ? undefined : `waited for Entra to replicate the new identity; saw ${[...counts].map(([what, count]) => `${what} ×${count}`).join(', ')}`;
  return { note, result, line };
}

/**
 * The whole pipeline on loopback: synth → emulators → identity loaded into Entra → gateway (terraform
 * apply against moto, or loaded from the stack) → GitHub OIDC token → Entra exchange → the gate.
 */
export async function rehearse(options: RehearsalOptions): Promise<Rehearsal> {
  const closers: (() => Promise<void> | void)[] = [];
  // Each call waits for the one before (Ctrl-C and the error path both close) and then stops
  // whatever was registered since.
  let closing = Promise.resolve();
  const close = () =>
    (closing = closing.then(async () => {
      for (const fn of closers.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
    }));
  const onAbort = () => void close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const steps: RehearsalStep[] = [];
  /** Runs one step and logs it: ✓, or ✗ when `ok` says its result is a failure. */
  const step = async <T>(name: string, fn: () => Promise<T> | T, ok: (value: T) => boolean = () => true): Promise<T> => {
    if (options.signal?.aborted) throw new GuardError('ERR_ABORTED', 'rehearsal interrupted');
    const started = Date.now();
    const value = await fn();
    const ms = Date.now() - started;
    const passed = ok(value);
    steps.push({ name, ms, ok: passed });
    options.log(`${passed ? '✓' : '✗'} ${name} (${ms} ms)`);
    return value;
  };
  try {
    // The attacker key (RSA) is generated on the thread pool while the stacks synthesize.
    warmUpAttackerKeys();
    const engine = options.engine ?? detectEngine(options.env).engine;
    // Before anything starts: a missing part is one line, with nothing to clean up.
    if (engine === 'terraform') assertTerraformEngine(options.env);
    // Everything the rehearsal writes (synth output, terraform's CLI config, plugins and state) lives
    // here and goes on every exit: close(), Ctrl-C, or an exit that skips clean-up.
    const work = mkdtempSync(join(tmpdir(), 'entra-api-guard-local-'));
    const removeWork = () => rmSync(work, { recursive: true, force: true });
    process.on('exit', removeWork);
    closers.push(() => {
      process.off('exit', removeWork);
      removeWork();
    });

    const [github, entra] = await step('start GitHub OIDC and Entra ID emulators', async () => {
      // One after the other, each registered for clean-up as soon as it runs. Entra first: it makes its
      // signing key in the background, while GitHub's is generated.
      const id = await startEntra(
        options.faults?.replicationDelaySeconds ? { faults: { replicationDelaySeconds: options.faults.replicationDelaySeconds } } : {},
      );
      closers.push(() => id.close());
      const gh = await startGithubOidc();
      closers.push(() => gh.close());
      return [gh, id] as const;
    });
    const moto = engine === 'terraform' ? await step('start moto_server (AWS control plane)', () => startMoto()) : undefined;
    if (moto) closers.push(() => moto.close());
    const mirror = engine === 'terraform' ? findProviderMirror(options.env) : undefined;

    const overrides: Record<string, unknown> = {
      profile: 'local',
      cloud: 'local',
      authorityHost: entra.url,
      // The emulated run's repository and ids: its tokens carry the immutable subject, and so do the credentials.
      caller: {
        repository: GITHUB_RUN_DEFAULTS.repository,
        ownerId: GITHUB_RUN_DEFAULTS.repositoryOwnerId,
        repositoryId: GITHUB_RUN_DEFAULTS.repositoryId,
        subjects: ['branch:main'],
        issuer: github.issuer,
        ...breakCallerConfig(options.breakMode),
      },
      backend: { type: 'local', dir: join(work, 'state') },
      ...(moto && mirror ? { aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: mirrorAwsVersion(mirror) } } : {}),
    };
    const synth = await step('synthesize identity and gateway stacks', () => options.synth(overrides, join(work, 'cdktf.out')));
    const tenantId = synth.config.tenantId;
    const dirOf = (name: string) => synth.stacks.find((s) => s.name === name)!.workingDirectory;
    const readStack = (name: string) => JSON.parse(readFileSync(join(dirOf(name), 'cdk.tf.json'), 'utf8')) as unknown;

    const identity = await step('load the identity stack into the Entra emulator', () => {
      const loaded = loadIdentityStack(readStack('identity'), { tenantId });
      entra.directory.load(breakDirectory(loaded.directory, options.breakMode));
      return loaded.summary;
    });
    // The stack's API and, with decoyAudience (on by default), its decoy: same tenant and issuer, another aud.
    const api = identity.apis.find((app) => app.displayName === synth.config.apiName) ?? identity.apis[0]!;
    const decoy = identity.apis.find((app) => app.displayName === `${synth.config.apiName}-decoy`);
    const caller = identity.callers[0]!;
    const identityBreak = options.breakMode && IDENTITY_BREAKS.has(options.breakMode) ? options.breakMode : undefined;

    // The stack as synthesized; the terraform engine reads the API back from moto instead, but runs
    // this stack's own Lambda code, since the control plane holds none.
    const fromStack = gatewayFromStack(readStack('gateway'), { variables: { api_client_id: api.clientId }, stackDir: dirOf('gateway') });
    let definition: GatewayDefinition;
    // What the gate derives its probes from and audits: the control plane's view with the terraform
    // engine; the stack's definition (no stage) otherwise.
    let deployedApi: DeployedApi;
    if (engine === 'terraform') {
      const deployed = await step('terraform apply of the gateway stack against moto', () => {
        // terraform's own temp files (plugin sockets, left behind when it is stopped hard) go with the work folder.
        const terraformTmp = join(work, 'tmp');
        mkdirSync(terraformTmp);
        const deploying = deployStacks({
          outdir: join(work, 'cdktf.out'),
          mode: 'apply',
          stacks: ['gateway'],
          env: {
            ...options.env,
            TF_CLI_CONFIG_FILE: writeMirrorCliConfig(mirror!, join(work, 'terraform.rc')),
            TMPDIR: terraformTmp,
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
          },
          ci: false,
          variables: { gateway: { api_client_id: api.clientId } },
          log: { info: () => undefined, group: (_t, fn) => fn() },
          // The state is thrown away with the work folder: on Ctrl-C a fast stop beats a graceful one.
          ...(options.signal ? { signal: options.signal, stopGraceMs: 2000 } : {}),
        });
        // On Ctrl-C, terraform stops first (it still talks to moto and writes into the work folder).
        closers.push(() =>
          deploying.then(
            () => undefined,
            () => undefined,
          ),
        );
        return deploying;
      });
      deployedApi = await step('read the deployed API back from moto', () =>
        readApiFromControlPlane({
          endpoint: moto!.url,
          region: synth.config.aws.region,
          apiId: deployed.outputs.apiId!,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          integrations: true,
        }),
      );
      definition = gatewayFromDeployedApi(deployedApi, stackLambdas(fromStack));
    } else {
      definition = fromStack;
      deployedApi = { apiId: fromStack.apiId ?? 'local', ...fromStack };
    }
    const integrations =
      options.breakMode === 'ignore-signature'
        ? [{ route: '$default', integration: 'the careless API itself (the fault replaces the gateway)' }]
        : definition.routes.map((route) => ({ route: route.routeKey, integration: describeIntegration(route.integration) }));
    for (const line of integrationLines(integrations)) options.log(line);
    for (const note of definition.notes ?? []) options.log(`note: ${note}`);

    // What the API's tokens look like, from the same pure contract the stacks use.
    const cloud = resolveCloud('local', entra.url);
    const identifierUri = api.identifierUris[0]!;
    const contract = tokenContract({ tenantId, tokenVersion: api.tokenVersion, cloud, apiClientId: api.clientId, identifierUri });
    const v1Issuer = tokenContract({ tenantId, tokenVersion: 1, cloud, apiClientId: api.clientId, identifierUri }).issuer;
    const gatewayBreak = options.breakMode && !IDENTITY_BREAKS.has(options.breakMode) ? options.breakMode : undefined;
    const apiServer = await step(
      gatewayBreak ? `start the API with a fault: ${describeBreakMode(gatewayBreak)}` : 'start the API Gateway emulator',
      async () => {
        if (gatewayBreak === 'ignore-signature') {
          const authorizer = definition.authorizers[0]!;
          return startCarelessApi({ issuer: authorizer.issuer, audiences: authorizer.audiences });
        }
        if (gatewayBreak && isAuthorizerFlaw(gatewayBreak)) return startGateway({ definition, ...gatewayFlaw(gatewayBreak) });
        const broken = gatewayBreak ? breakDefinition(definition, gatewayBreak, v1Issuer) : definition;
        return startGateway({ definition: broken });
      },
    );
    closers.push(() => apiServer.close());

    if (identityBreak) options.log(`identity fault: ${describeBreakMode(identityBreak)}`);
    const scope = contract.scope;
    const timeoutMs = (options.timeoutSeconds ?? 20) * 1000;
    const replication = replicationTally();
    let logPrefix = '';
    let waitLine: string | undefined;
    const tokenLog = compactTokenLog((line) => options.log(`${logPrefix}${line}`));
    const decoyScope = decoy?.identifierUris[0] !== undefined ? `${decoy.identifierUris[0]}/.default` : undefined;
    // The identity was created a moment ago, as after a first deploy: the exchange waits out
    // replication like the action does after a fresh identity deploy (nothing to wait for without the fault).
    const { report, run } = await runGatePipeline({
      apiUrl: apiServer.url,
      // What is served: a gateway fault is deployed config, so the audit sees it too.
      deployed:
        gatewayBreak && gatewayBreak !== 'ignore-signature' && !isAuthorizerFlaw(gatewayBreak)
          ? { ...deployedApi, ...breakDefinition(definition, gatewayBreak, v1Issuer), apiId: deployedApi.apiId }
          : deployedApi,
      stageRead: engine === 'terraform',
      publicRoutes: synth.config.routes.filter((r) => r.public === true).map((r) => r.routeKey),
      declaredRoutes: synth.config.routes.map((r) => r.routeKey),
      source: {
        kind: 'github-oidc',
        tokenEndpoint: contract.tokenEndpoint,
        clientId: caller.clientId,
        scope,
        getIDToken: (audience?: string) => requestIdToken(github.requestUrl, github.requestToken, audience),
      },
      tokenDeps: {
        log: tokenLog,
        awaitReplication: true,
        onReplicationWait: (code) => replication.note(`AADSTS${code}`),
        retry: { maxAttempts: Math.ceil(timeoutMs / 1000) + 6, baseMs: 250, capMs: 2000, deadlineMs: timeoutMs },
      },
      ...(decoyScope !== undefined ? { otherAudienceScope: decoyScope } : {}),
      // Any of the API's roles: the stack grants the caller one, and a fresh grant replicates for a while.
      expectedRoles: api.appRoles,
      onRoleWait: () => replication.note('a token without roles'),
      expectedIssuer: contract.issuer,
      expectedAudiences: contract.audiences,
      timeoutMs,
      intervalMs: 200,
      ...(options.signal ? { signal: options.signal } : {}),
      phase: async (name, run) => {
        if (name === 'token') {
          const token = await step('GitHub OIDC token → Entra access token', run);
          waitLine = replication.line();
          if (waitLine) options.log(waitLine);
          logPrefix = 'wrong-audience probe: ';
          return token;
        }
        return step('gate: anonymous, valid and forged tokens', run, (gate) => (gate as GateRun).verdict.pass);
      },
    });
    const lastWait = replication.line();
    if (lastWait && lastWait !== waitLine) options.log(lastWait);
    return {
      engine,
      run,
      report,
      markdown: renderGateMarkdown(report),
      steps,
      integrations,
      replication: replication.result(),
      urls: { api: apiServer.url, entra: entra.url, github: github.issuer },
      secrets: { requestUrl: github.requestUrl, requestToken: github.requestToken, tokenEndpoint: contract.tokenEndpoint, clientId: caller.clientId, scope },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** One progress line per distinct integration, naming the routes it answers. Pure. */
export function integrationLines(integrations: readonly { route: string; integration: string }[]): string[] {
  const byIntegration = new Map<string, string[]>();
  for (const { route, integration } of integrations) byIntegration.set(integration, [...(byIntegration.get(integration) ?? []), route]);
  return [...byIntegration].map(([integration, routes]) => `integration: ${integration} answers ${[...routes].sort().join(', ')}`);
}

/**
 * While the exchange waits out replication every attempt presents a new GitHub token and meets a
 * refusal with a long fix-it: show one short line per attempt, and each distinct GitHub token line once.
 */
function compactTokenLog(log: (line: string) => void): (line: string) => void {
  let lastGithubLine: string | undefined;
  return (line) => {
    if (line.startsWith('GitHub OIDC token: ')) {
      if (line === lastGithubLine) return;
      lastGithubLine = line;
      return log(line);
    }
    const refused = /^token exchange: attempt (\d+)\/\d+ failed: token exchange failed \((AADSTS\d+)\).*; (retrying in \d+ ms)$/.exec(line);
    log(refused ? `token exchange: attempt ${refused[1]}: ${refused[2]} (not replicated yet), ${refused[3]}` : line);
  };
}

/** Asks the GitHub emulator for an ID token the way a runner's toolkit does. */
async function requestIdToken(requestUrl: string, requestToken: string, audience?: string): Promise<string> {
  const url = audience ? `${requestUrl}&audience=${encodeURIComponent(audience)}` : requestUrl;
  const res = await fetch(url, { headers: { authorization: `Bearer ${requestToken}` } });
  if (!res.ok) throw new GuardError('ERR_ID_TOKEN_UNAVAILABLE', `GitHub emulator answered ${res.status}`);
  return ((await res.json()) as { value: string }).value;
}
