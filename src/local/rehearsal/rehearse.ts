import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployStacks, findProviderMirror, mirrorAwsVersion, writeMirrorCliConfig } from '../../deploy';
import { resolveCloud, tokenContract } from '../../contract';
import { GuardError } from '../../errors';
import { buildGateReport, renderGateMarkdown, verifyApiGate, warmUpForgery, type GateReport, type GateRun } from '../../gate';
import { acquireToken } from '../../token';
import { startEntra, loadIdentityStack } from '../entra';
import { gatewayFromAws, gatewayFromStack, startGateway, type GatewayDefinition } from '../gateway';
import { GITHUB_RUN_DEFAULTS, startGithubOidc } from '../github';
import { motoAvailable, startMoto } from '../moto';
import { BREAK_DESCRIPTIONS, breakCallerConfig, breakDefinition, breakDirectory, IDENTITY_BREAKS, startCarelessApi, type BreakMode, type RehearsalFaults } from './faults';

export type Engine = 'terraform' | 'emulate';

/** Synthesizes the stacks for the local profile (stacks/ owns cdktf; injected to keep this module free of it). */
export type SynthLocal = (overrides: Record<string, unknown>, outdir: string) => { stacks: readonly { name: string; workingDirectory: string }[]; config: { tenantId: string; aws: { region: string } } };

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
  readonly steps: readonly { name: string; ms: number }[];
  /** What the exchange and the gate met while the new identity replicated (empty when nothing was waited for). */
  readonly replication: ReplicationWait;
  readonly urls: { readonly api: string; readonly entra: string; readonly github: string };
  /** What a person needs to repeat the exchange by hand (`--keep`); the request token is a secret. */
  readonly secrets: { readonly requestUrl: string; readonly requestToken: string; readonly tokenEndpoint: string; readonly clientId: string; readonly scope: string };
  /** Stops every emulator and process the rehearsal started. */
  close(): Promise<void>;
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
  const line = () => (counts.size === 0 ? undefined : `waited for Entra to replicate the new identity; saw ${[...counts].map(([what, count]) => `${what} ×${count}`).join(', ')}`);
  return { note, result, line };
}

/** Chooses the gateway engine: real terraform against moto where everything for it is here. */
export function detectEngine(env: Record<string, string | undefined>): { engine: Engine; reason: string } {
  if (!motoAvailable()) return { engine: 'emulate', reason: 'moto_server not found' };
  if (!findProviderMirror(env)) return { engine: 'emulate', reason: 'no offline aws provider mirror' };
  return { engine: 'terraform', reason: 'terraform + moto_server + provider mirror found' };
}

/**
 * The whole pipeline on loopback: synth → emulators → identity loaded into Entra → gateway (terraform
 * apply against moto, or loaded from the stack) → GitHub OIDC token → Entra exchange → the gate.
 */
export async function rehearse(options: RehearsalOptions): Promise<Rehearsal> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const fn of closers.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
  };
  const onAbort = () => void close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const steps: { name: string; ms: number }[] = [];
  const step = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    if (options.signal?.aborted) throw new GuardError('ERR_ABORTED', 'rehearsal interrupted');
    const started = Date.now();
    const value = await fn();
    steps.push({ name, ms: Date.now() - started });
    options.log(`✓ ${name} (${Date.now() - started} ms)`);
    return value;
  };
  try {
    // The attacker key (RSA) is generated on the thread pool while the stacks synthesize.
    warmUpForgery();
    const engine = options.engine ?? detectEngine(options.env).engine;
    const work = mkdtempSync(join(tmpdir(), 'entra-api-guard-local-'));
    closers.push(() => rmSync(work, { recursive: true, force: true }));

    const [github, entra] = await step('start GitHub OIDC and Entra ID emulators', async () => {
      // One after the other, each registered for clean-up as soon as it runs. Entra first: it makes its
      // signing key in the background, while GitHub's is generated.
      const id = await startEntra(options.faults?.replicationDelaySeconds ? { faults: { replicationDelaySeconds: options.faults.replicationDelaySeconds } } : {});
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
    const api = identity.apis[0]!;
    const caller = identity.callers[0]!;
    const identityBreak = options.breakMode && IDENTITY_BREAKS.has(options.breakMode) ? options.breakMode : undefined;

    let definition: GatewayDefinition;
    if (engine === 'terraform') {
      const deployed = await step('terraform apply of the gateway stack against moto', () =>
        deployStacks({
          outdir: join(work, 'cdktf.out'),
          mode: 'apply',
          stacks: ['gateway'],
          env: { ...options.env, TF_CLI_CONFIG_FILE: writeMirrorCliConfig(mirror!, join(work, 'terraform.rc')), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
          ci: false,
          variables: { gateway: { api_client_id: api.clientId } },
          log: { info: () => undefined, group: (_t, fn) => fn() },
        }),
      );
      definition = await step('read the deployed API back from moto', () =>
        gatewayFromAws({ endpoint: moto!.url, region: synth.config.aws.region, apiId: deployed.outputs.apiId!, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
      );
    } else {
      definition = gatewayFromStack(readStack('gateway'), { variables: { api_client_id: api.clientId }, stackDir: dirOf('gateway') });
    }

    // What the API's tokens look like, from the same pure contract the stacks use.
    const cloud = resolveCloud('local', entra.url);
    const identifierUri = api.identifierUris[0]!;
    const contract = tokenContract({ tenantId, tokenVersion: api.tokenVersion, cloud, apiClientId: api.clientId, identifierUri });
    const v1Issuer = tokenContract({ tenantId, tokenVersion: 1, cloud, apiClientId: api.clientId, identifierUri }).issuer;
    const gatewayBreak = options.breakMode && !IDENTITY_BREAKS.has(options.breakMode) ? options.breakMode : undefined;
    const apiServer = await step(gatewayBreak ? `start the API with a fault: ${BREAK_DESCRIPTIONS[gatewayBreak]}` : 'start the API Gateway emulator', async () => {
      if (options.breakMode === 'ignore-signature') {
        const authorizer = definition.authorizers[0]!;
        return startCarelessApi({ issuer: authorizer.issuer, audiences: authorizer.audiences });
      }
      const broken = gatewayBreak ? breakDefinition(definition, gatewayBreak, v1Issuer) : definition;
      return startGateway({ definition: broken });
    });
    closers.push(() => apiServer.close());

    if (identityBreak) options.log(`identity fault: ${BREAK_DESCRIPTIONS[identityBreak]}`);
    const scope = contract.scope;
    const timeoutMs = (options.timeoutSeconds ?? 20) * 1000;
    const replication = replicationTally();
    let logPrefix = '';
    const tokenLog = compactTokenLog((line) => options.log(`${logPrefix}${line}`));
    // The identity was created a moment ago, as after a first deploy: the exchange waits out
    // replication like the action does after a fresh identity deploy (nothing to wait for without the fault).
    const token = await step('GitHub OIDC token → Entra access token', () =>
      acquireToken(
        {
          kind: 'github-oidc',
          tokenEndpoint: contract.tokenEndpoint,
          clientId: caller.clientId,
          scope,
          getIDToken: (audience?: string) => requestIdToken(github.requestUrl, github.requestToken, audience),
        },
        { log: tokenLog, awaitReplication: true, onReplicationWait: (code) => replication.note(`AADSTS${code}`), retry: { maxAttempts: Math.ceil(timeoutMs / 1000) + 6, baseMs: 250, capMs: 2000, deadlineMs: timeoutMs } },
      ),
    );
    const waitLine = replication.line();
    if (waitLine) options.log(waitLine);
    logPrefix = 'wrong-audience probe: ';
    const decoy = addDecoyApi(entra.directory, tenantId, caller.servicePrincipalObjectId ?? '');
    const run = await step('gate: anonymous, valid and forged tokens', () =>
      verifyApiGate({
        apiUrl: apiServer.url,
        paths: ['/hello'],
        token: token.token,
        ...(token.mintForScope ? { mintOtherAudienceToken: () => token.mintForScope!(`${decoy}/.default`), refreshToken: () => token.mintForScope!(scope) } : {}),
        // Any of the API's roles: the stack grants the caller one, and a fresh grant replicates for a while.
        expectedRoles: api.appRoles,
        onRoleWait: () => replication.note('a token without roles'),
        expectedIssuer: contract.issuer,
        expectedAudiences: contract.audiences,
        timeoutMs,
        intervalMs: 200,
      }),
    );
    const report = buildGateReport(run);
    const lastWait = replication.line();
    if (lastWait && lastWait !== waitLine) options.log(lastWait);
    return {
      engine,
      run,
      report,
      markdown: renderGateMarkdown(report),
      steps,
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

/** A second API the caller may get tokens for: the source of the genuine wrong-audience token. */
function addDecoyApi(directory: import('../entra').Directory, tenantId: string, _callerSp: string): string {
  const uri = 'api://entra-api-guard-decoy';
  // An API that has long existed in the tenant: already replicated, whatever the replication fault.
  directory.addApplication(tenantId, { displayName: 'decoy-api', clientId: 'd3c0d3c0-0000-4000-8000-000000000001', objectId: 'd3c0d3c0-0000-4000-8000-000000000002', identifierUris: [uri], tokenVersion: 2, createdAt: 0 });
  directory.addServicePrincipal(tenantId, { clientId: 'd3c0d3c0-0000-4000-8000-000000000001', objectId: 'd3c0d3c0-0000-4000-8000-000000000003', appRoleAssignmentRequired: false, createdAt: 0 });
  return uri;
}
