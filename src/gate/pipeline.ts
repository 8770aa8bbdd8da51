import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../errors';
import { acquireToken, type AcquiredToken, type TokenSourceConfig, type TokenSourceDeps } from '../token/sources';
import { warmUpAttackerKeys } from './attacks/attacker-keys';
import { auditApi } from './audit/run';
import type { Callers } from './audit/types';
import { stageUrl, type DeployedApi, type Throttling } from './control-plane/types';
import type { Finding } from './findings';
import { CLI_SETTING_NAMES, type GateSettingNames } from './names';
import { buildGateReport, type GateReport } from './report';
import { deriveRouteTargets, toProbeTargets, type RouteTarget } from './route-targets';
import { verifyApiGate, type GateRun, type VerifyApiGateOptions } from './verify';

export interface GatePipelineOptions extends Omit<
  VerifyApiGateOptions,
  'apiUrl' | 'token' | 'mintOtherAudienceToken' | 'refreshToken' | 'targets' | 'throttling'
> {
  /** The data-plane URL. @default the deployed API's endpoint plus its stage */
  readonly apiUrl?: string;
  /** Where the valid token comes from. Without one the valid-token probe is skipped (a warning). */
  readonly source?: TokenSourceConfig;
  /** How the token is fetched: masking, retries, waiting out replication, its log (@default the gate's). `fetch` and `signal` are the gate's. */
  readonly tokenDeps?: Omit<TokenSourceDeps, 'fetch' | 'signal'>;
  /** Scope of a genuine token for another audience (the wrong-audience probe), minted when the source can. */
  readonly otherAudienceScope?: string;
  /**
   * The API as the control plane describes it: every route becomes probes (`paths` add their own),
   * valid-token and forgery probes go to the first protected route of each authorizer, the stage's
   * throttling paces the gate, and the audit runs over it.
   */
  readonly deployed?: DeployedApi;
  /** Route keys declared public. */
  readonly publicRoutes?: readonly string[];
  /** Authorizer names or ids declared on purpose (`AWS_IAM` for IAM routes). */
  readonly allowAuthorizers?: readonly string[];
  /** The route keys our config declares, when we deployed it (drift is reported against them). */
  readonly declaredRoutes?: readonly string[];
  /** Whether `deployed` came with its stage (false for a definition loaded from a stack). @default true */
  readonly stageRead?: boolean;
  /** @default a random `eag-…` segment */
  readonly randomSegment?: () => string;
  /** Wraps each phase, e.g. to time it as a step. @default runs it */
  readonly phase?: <T>(name: 'token' | 'gate', run: () => Promise<T>) => Promise<T>;
}

export interface GatePipelineResult {
  readonly report: GateReport;
  readonly run: GateRun;
  readonly token?: AcquiredToken;
  readonly findings: readonly Finding[];
  readonly routes: readonly RouteTarget[];
}

/**
 * The one path from a token source to a report, for the action, the CLI and the rehearsal:
 * token source → token (masked on arrival) → routes and audit from the control plane → gate → report.
 */
export async function runGatePipeline(options: GatePipelineOptions): Promise<GatePipelineResult> {
  const names = options.names ?? CLI_SETTING_NAMES;
  const { deployed } = options;
  const apiUrl = options.apiUrl ?? (deployed ? deployedUrl(deployed, names) : undefined);
  if (apiUrl === undefined) throw new InvalidInputError(names.apiUrl, '', `the API URL to gate (or ${names.apiId} to read it from the control plane)`);
  const phase = options.phase ?? ((_name, run) => run());
  const log = options.log ?? (() => undefined);

  // The attacker key (RSA 2048) is generated while the token is fetched, not after.
  if (options.negativeProbes ?? true) warmUpAttackerKeys();
  const source = options.source;
  const acquired = source
    ? await phase('token', () =>
        acquireToken(source, {
          log,
          ...options.tokenDeps,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      )
    : undefined;
  const mint = acquired?.mintForScope;
  const ownScope = source && 'scope' in source ? source.scope : undefined;

  const routes = deployed
    ? deriveRouteTargets(deployed, {
        publicRoutes: options.publicRoutes ?? [],
        allowAuthorizers: options.allowAuthorizers ?? [],
        randomSegment: options.randomSegment ?? randomSegment,
      })
    : [];
  const findings = deployed
    ? auditApi(
        {
          api: deployed,
          publicRoutes: new Set(options.publicRoutes ?? []),
          reference: referenceOf(options, acquired),
          callers: callersOf(acquired),
          ...(options.declaredRoutes ? { declaredRoutes: options.declaredRoutes } : {}),
          ...(options.stageRead === false ? { stageRead: false } : {}),
        },
        { allowAuthorizers: options.allowAuthorizers ?? [] },
      )
    : [];
  if (deployed) log(describeDerivation(deployed, routes));
  const targets = deployed
    ? toProbeTargets(routes, { ...(options.paths ? { paths: options.paths } : {}), ...(options.method ? { method: options.method } : {}) })
    : undefined;
  const throttling = deployed ? stageThrottling(deployed) : undefined;

  const run = await phase('gate', () =>
    verifyApiGate({
      ...options,
      apiUrl,
      ...(targets && targets.length > 0 ? { targets } : {}),
      ...(throttling ? { throttling } : {}),
      ...(acquired ? { token: acquired.token } : {}),
      ...(mint && options.otherAudienceScope !== undefined ? { mintOtherAudienceToken: () => mint(options.otherAudienceScope!) } : {}),
      ...(mint && ownScope !== undefined && options.expectedRoles ? { refreshToken: () => mint(ownScope) } : {}),
    }),
  );
  const api = deployed
    ? { apiId: deployed.apiId, ...(deployed.name ? { name: deployed.name } : {}), ...(deployed.stage ? { stage: deployed.stage.name } : {}) }
    : undefined;
  const report = buildGateReport(run, { routes, findings, ...(api ? { api } : {}) });
  return { report, run, findings, routes, ...(acquired ? { token: acquired } : {}) };
}

/** The deployed stage's invoke URL; a stage must be named when the API has several and no `$default`. */
function deployedUrl(api: DeployedApi, names: GateSettingNames): string | undefined {
  if (api.stage === undefined && api.stageNames?.length) {
    throw new InvalidInputError(names.stage, '', `the stage to probe: API ${api.apiId} has no $default stage but ${api.stageNames.join(', ')}`);
  }
  return stageUrl(api);
}

/** The contract's issuer and audiences when known, else the valid token's. */
function referenceOf(options: GatePipelineOptions, acquired: AcquiredToken | undefined): { issuer?: string; audiences?: readonly string[] } {
  const issuer = options.expectedIssuer ?? acquired?.claims.iss;
  const audiences = options.expectedAudiences ?? (acquired?.claims.aud !== undefined ? acquired.claims.aud.split(' ') : undefined);
  return { ...(issuer !== undefined ? { issuer } : {}), ...(audiences !== undefined ? { audiences } : {}) };
}

/** A token with `scp` is delegated; otherwise the callers are pipelines (app-only), this project's default. */
function callersOf(acquired: AcquiredToken | undefined): Callers {
  return acquired?.claims.scp !== undefined ? (acquired.claims.roles?.length ? 'mixed' : 'delegated') : 'app-only';
}

/**
 * The tightest throttling any route of the stage has: the stage's default route settings, lowered by
 * per-route settings (the gate's requests spread over routes, so the lowest limit bounds them all).
 */
export function stageThrottling(api: Pick<DeployedApi, 'stage'>): Throttling | undefined {
  const stage = api.stage;
  if (!stage) return undefined;
  const all = [stage.throttling, ...Object.values(stage.routeThrottling ?? {})].filter((t): t is Throttling => t !== undefined);
  const lowest = (pick: (t: Throttling) => number | undefined): number | undefined => {
    const values = all.map(pick).filter((v): v is number => v !== undefined && v > 0);
    return values.length > 0 ? Math.min(...values) : undefined;
  };
  const burstLimit = lowest((t) => t.burstLimit);
  const rateLimit = lowest((t) => t.rateLimit);
  if (burstLimit === undefined && rateLimit === undefined) return undefined;
  return { ...(burstLimit !== undefined ? { burstLimit } : {}), ...(rateLimit !== undefined ? { rateLimit } : {}) };
}

function describeDerivation(api: DeployedApi, routes: readonly RouteTarget[]): string {
  const probed = routes.filter((r) => r.requests.length > 0).length;
  const unreachable = routes.length - probed;
  return `routes: ${routes.length} deployed route${routes.length === 1 ? '' : 's'} of ${api.name ?? api.apiId} (${api.apiId}${api.stage ? `, stage ${api.stage.name}` : ''}); ${probed} probed${unreachable > 0 ? `, ${unreachable} unreachable` : ''}`;
}

function randomSegment(): string {
  return `eag-${randomBytes(6).toString('hex')}`;
}
