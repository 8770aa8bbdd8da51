import { InvalidInputError, errorMessage } from '../errors';
import { decodeClaimsForLogging } from '../token/decode-claims';
import { awaitExpectedRole } from './await-role';
import { forgeNegativeCredentials } from './forge';
import { planProbes } from './plan';
import { pollProbe } from './poll-probe';
import type { FetchLike } from './send-probe';
import type { ProbeResult, ProbeSpec, SkippedProbe } from './types';
import { judgeGate, type Verdict } from './verdict';

export interface VerifyApiGateOptions {
  /** The API's base (stage) URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  readonly apiUrl: string;
  /** @default ['/'] */
  readonly paths?: readonly string[];
  /** @default 'GET' */
  readonly method?: string;
  readonly body?: string;
  /** Extra headers for every probe (not Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The valid access token. Without one, the valid-token probe is skipped (reported as a warning). */
  readonly token?: string;
  /** Mints a genuine token for another audience, for the wrong-audience probe. */
  readonly mintOtherAudienceToken?: () => Promise<string>;
  /**
   * App roles the caller was granted: within the deadline a token without any of them is "not yet"
   * (a fresh role assignment replicates for minutes) and `refreshToken` mints another. @default no check
   */
  readonly expectedRoles?: readonly string[];
  readonly refreshToken?: () => Promise<string>;
  /** Called for each token that came without an expected role while waiting. */
  readonly onRoleWait?: () => void;
  /** @default true */
  readonly negativeProbes?: boolean;
  /** @default [401] */
  readonly expectUnauthenticated?: readonly number[];
  /** @default [200] */
  readonly expectAuthenticated?: readonly number[];
  /** Every probe gives up this long after the gate starts. @default 60000 */
  readonly timeoutMs?: number;
  /** @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Equal answers in a row before an answer counts. @default 2 */
  readonly stableCount?: number;
  /** Wait after a wrong, changed, 5xx or missing answer. @default 1000 */
  readonly intervalMs?: number;
  /** Wait before confirming an expected answer. @default 50 */
  readonly confirmDelayMs?: number;
  /** Probes in flight at once. @default 8 */
  readonly concurrency?: number;
  /** The authorizer's issuer and audiences, when known, for sharper 401 hints. */
  readonly expectedIssuer?: string;
  readonly expectedAudiences?: readonly string[];
  readonly fetch?: FetchLike;
  readonly log?: (line: string) => void;
}

/** Everything a gate run saw; safe to print (no token or header value in it). */
export interface GateRun {
  readonly apiUrl: string;
  readonly startedAt: string;
  readonly ms: number;
  /** How long until the slowest passing probe's answer was stable. */
  readonly timeToStableMs: number;
  readonly results: readonly ProbeResult[];
  readonly skipped: readonly SkippedProbe[];
  readonly verdict: Verdict;
}

/** Probes an API (no token → 401, token → 200, forgeries → 401) until answers are stable, then judges. */
export async function verifyApiGate(options: VerifyApiGateOptions): Promise<GateRun> {
  const apiUrl = checkApiUrl(options.apiUrl);
  const paths = (options.paths && options.paths.length > 0 ? options.paths : ['/']).map(checkPath);
  if (options.headers && Object.keys(options.headers).some((h) => h.toLowerCase() === 'authorization')) {
    throw new TypeError('verifyApiGate: "headers" must not set Authorization; the probes set it');
  }
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const negativesOn = options.negativeProbes ?? true;
  const roleWait =
    options.token !== undefined && options.expectedRoles !== undefined && options.expectedRoles.length > 0
      ? await awaitExpectedRole({
          token: options.token,
          expectedRoles: options.expectedRoles,
          deadlineAt: started + (options.timeoutMs ?? 60_000),
          log,
          ...(options.refreshToken ? { refreshToken: options.refreshToken } : {}),
          ...(options.onRoleWait ? { onRoleWait: options.onRoleWait } : {}),
        })
      : undefined;
  const token = roleWait?.token ?? options.token;

  let otherAudienceToken: string | undefined;
  let otherAudienceSkipReason: string | undefined;
  if (negativesOn && token !== undefined && options.mintOtherAudienceToken) {
    try {
      otherAudienceToken = await options.mintOtherAudienceToken();
    } catch (error) {
      otherAudienceSkipReason = `could not mint a token for another audience: ${errorMessage(error)}`;
    }
  } else if (negativesOn) {
    otherAudienceSkipReason = token === undefined ? 'no token source given' : 'the token source cannot mint a token for another audience';
  }
  const negatives = negativesOn ? await forgeNegativeCredentials(token) : [];
  const plan = planProbes({
    paths,
    method: options.method ?? 'GET',
    expectUnauthenticated: options.expectUnauthenticated ?? [401],
    expectAuthenticated: options.expectAuthenticated ?? [200],
    negatives,
    ...(token !== undefined ? { token } : {}),
    ...(otherAudienceToken !== undefined ? { otherAudienceToken } : {}),
    ...(otherAudienceSkipReason !== undefined ? { otherAudienceSkipReason } : {}),
  });

  const secrets = [...new Set([options.token, token, otherAudienceToken])].filter((s): s is string => s !== undefined);
  // One deadline for the whole gate: a probe that starts late (concurrency) gets only what is left.
  const deadlineAt = started + (options.timeoutMs ?? 60_000);
  log(`gate: ${plan.probes.length} probes against ${apiUrl}, deadline ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`);
  const results = await mapConcurrently(plan.probes, options.concurrency ?? 8, (spec: ProbeSpec) =>
    pollProbe(spec, {
      apiUrl,
      secrets,
      deadlineMs: Math.max(1, deadlineAt - Date.now()),
      timeoutMs: options.requestTimeoutMs ?? 5000,
      stableCount: options.stableCount ?? 2,
      intervalMs: options.intervalMs ?? 1000,
      confirmDelayMs: options.confirmDelayMs ?? 50,
      log,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
  );
  const judged = judgeGate({
    results,
    skipped: plan.skipped,
    nowMs: started,
    ...(token !== undefined ? { tokenClaims: decodeClaimsForLogging(token) } : {}),
    ...(options.expectedIssuer !== undefined ? { expectedIssuer: options.expectedIssuer } : {}),
    ...(options.expectedAudiences !== undefined ? { expectedAudiences: options.expectedAudiences } : {}),
  });
  const verdict = roleWait?.failure ? { ...judged, pass: false, failures: [roleWait.failure, ...judged.failures] } : judged;
  const passing = results.filter((r) => r.outcome === 'pass');
  return {
    apiUrl,
    startedAt: new Date(started).toISOString(),
    ms: Date.now() - started,
    timeToStableMs: passing.reduce((max, r) => Math.max(max, r.ms), 0),
    results,
    skipped: plan.skipped,
    verdict,
  };
}

async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

function checkApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError('apiUrl', value, 'an absolute http(s) URL such as https://abc123.execute-api.eu-west-1.amazonaws.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidInputError('apiUrl', value, 'an absolute http(s) URL such as https://abc123.execute-api.eu-west-1.amazonaws.com');
  }
  if (url.search !== '' || url.hash !== '') throw new InvalidInputError('apiUrl', value, 'a base URL without ?query or #fragment (give paths with --path)');
  return url.toString().replace(/\/+$/, '');
}

function checkPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path)) throw new InvalidInputError('path', path, 'a path starting with /, e.g. /orders');
  return path;
}
