import { setMaxListeners } from 'node:events';
import { parseApiUrl, unsafeExpectation } from '../contract/input-values';
import { InvalidInputError, errorMessage } from '../errors';
import { Redactor } from '../redact';
import { decodeClaimsForLogging } from '../token/decode-claims';
import { prepareAttacks, weakerAudienceEvidence, type AttackCode } from './attacks';
import { CLI_SETTING_NAMES, type GateSettingNames } from './names';
import { awaitExpectedRole } from './await-role';
import { planProbes, type ProbeTarget } from './plan';
import type { Throttling } from './control-plane/types';
import { pollProbe } from './poll-probe';
import { RequestSlots } from './request-slots';
import type { ProbeResult, ProbeSpec, SkippedProbe } from './types';
import { judgeGate, type Verdict } from './verdict';

export interface VerifyApiGateOptions {
  /** The API's base (stage) URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  readonly apiUrl: string;
  /** Paths to probe with `method`, when no `targets` are given. @default ['/'] */
  readonly paths?: readonly string[];
  /** @default 'GET' */
  readonly method?: string;
  /**
   * What to probe, each request with its own method: derived from the deployed routes
   * ({@link toProbeTargets}). Replaces `paths` and `method`.
   */
  readonly targets?: readonly ProbeTarget[];
  /**
   * The stage's throttling: never more requests in flight than its burst limit, and starts paced
   * below its rate limit (90 % of it). A 429 holds every probe back for its Retry-After either way.
   * @default no limit beyond `concurrency`
   */
  readonly throttling?: Throttling;
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
  /** Only these attacks (codes from the README's attack table). @default every attack */
  readonly attacks?: readonly AttackCode[];
  /** @default [401] */
  readonly expectUnauthenticated?: readonly number[];
  /** @default [200] */
  readonly expectAuthenticated?: readonly number[];
  /** Every probe gives up this long after the first request (forging and minting come first). @default 60000 */
  readonly timeoutMs?: number;
  /** @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Equal answers in a row before an answer counts. @default 2 */
  readonly stableCount?: number;
  /** Wait after a wrong, changed, 5xx or missing answer. @default 1000 */
  readonly intervalMs?: number;
  /** Wait before confirming an expected answer. @default 50 */
  readonly confirmDelayMs?: number;
  /** Requests in flight at once (every probe polls for the whole gate and queues for a slot; about 50 probes with every attack on). @default 16 */
  readonly concurrency?: number;
  /** Send the token over plain http to a host that is not loopback. @default false */
  readonly allowInsecureHttp?: boolean;
  /** How the caller spells its settings, for refusals and fix texts. @default the CLI's flags */
  readonly names?: GateSettingNames;
  /** Stops the gate at once (Ctrl-C): the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The authorizer's issuer and audiences, when known, for sharper 401 hints. */
  readonly expectedIssuer?: string;
  readonly expectedAudiences?: readonly string[];
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
  /**
   * The gate's clock (ms since the epoch) and timer, for every deadline, interval, pacing and
   * Retry-After wait: tests inject virtual ones and never wait for real time. @default Date.now, a real timer
   */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The share of a stage's rate limit the gate uses, so it stays below the limit. */
const RATE_SHARE = 0.9;

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
  const names = options.names ?? CLI_SETTING_NAMES;
  const apiUrl = parseApiUrl(names.apiUrl, options.apiUrl, {
    allowInsecureHttp: options.allowInsecureHttp ?? false,
    insecureSwitch: names.allowInsecureHttp,
  }).url;
  const targets: readonly ProbeTarget[] =
    options.targets && options.targets.length > 0
      ? options.targets.map((t) => ({ ...t, path: checkPath(t.path, names.path) }))
      : (options.paths && options.paths.length > 0 ? options.paths : ['/']).map((p) => ({
          method: options.method ?? 'GET',
          path: checkPath(p, names.path),
          access: 'protected' as const,
        }));
  const expectUnauthenticated = checkExpectation(names.expectUnauthenticated, 'unauthenticated', options.expectUnauthenticated ?? [401]);
  const expectAuthenticated = checkExpectation(names.expectAuthenticated, 'authenticated', options.expectAuthenticated ?? [200]);
  if (options.headers && Object.keys(options.headers).some((h) => h.toLowerCase() === 'authorization')) {
    throw new TypeError('verifyApiGate: "headers" must not set Authorization; the probes set it');
  }
  const now = options.now ?? Date.now;
  const clock = { ...(options.now ? { now: options.now } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) };
  const started = now();
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
          ...clock,
        })
      : undefined;
  const token = roleWait?.token ?? options.token;

  const otherAudience = negativesOn && (options.attacks === undefined || options.attacks.includes('other-audience'));
  let otherAudienceToken: string | undefined;
  let otherAudienceSkipReason: string | undefined;
  const mintOther = async (): Promise<void> => {
    if (otherAudience && token !== undefined && options.mintOtherAudienceToken) {
      try {
        otherAudienceToken = await options.mintOtherAudienceToken();
      } catch (error) {
        otherAudienceSkipReason = `could not mint a token for another audience: ${errorMessage(error)}`;
      }
    } else if (otherAudience) {
      otherAudienceSkipReason = token === undefined ? 'no token source given' : 'the token source cannot mint a token for another audience';
    }
  };
  // Minting, the issuer's keys and the attacker keys are independent: fetch them side by side.
  const [, attacks] = await Promise.all([
    mintOther(),
    negativesOn
      ? prepareAttacks({
          ...(token !== undefined ? { token } : {}),
          ...(options.attacks ? { only: options.attacks } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        })
      : { credentials: [], skipped: [] },
  ]);
  options.signal?.throwIfAborted();
  const weaker = token !== undefined && otherAudienceToken !== undefined ? weakerAudienceEvidence(token, otherAudienceToken) : undefined;
  const plan = planProbes({
    targets,
    expectUnauthenticated,
    expectAuthenticated,
    negatives: attacks.credentials,
    skippedAttacks: attacks.skipped,
    otherAudience,
    ...(token !== undefined ? { token } : {}),
    ...(otherAudienceToken !== undefined ? { otherAudienceToken } : {}),
    ...(otherAudienceSkipReason !== undefined ? { otherAudienceSkipReason } : {}),
  });

  // Every credential a planned probe sends (so each forgery's copy of the real token's header,
  // payload or signature, and any probe added later), plus the tokens themselves.
  const redactor = new Redactor([options.token, token, otherAudienceToken, ...plan.probes.map((p) => p.authorization)]);
  // One deadline for the whole gate, counted from the first request (forging keys and minting the
  // other-audience token must not eat the probes' time). Every probe polls until it, queueing for one
  // of `concurrency` request slots; each attempt may take at most a fair share of the time, so that
  // every probe's first request fits in before the deadline even when the API never answers.
  const timeoutMs = options.timeoutMs ?? 60_000;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 16, options.throttling?.burstLimit || Infinity));
  const rate = options.throttling?.rateLimit ? options.throttling.rateLimit * RATE_SHARE : undefined;
  const deadlineAt = now() + timeoutMs;
  const fairShareMs = Math.floor(timeoutMs / Math.ceil(plan.probes.length / concurrency));
  const slots = new RequestSlots(concurrency, { ...(rate !== undefined ? { ratePerSecond: rate } : {}), ...clock });
  if (options.throttling)
    log(
      `gate: paced by the stage's throttling: at most ${concurrency} requests in flight${rate !== undefined ? `, ${Math.round(rate * 10) / 10} requests/s` : ''}`,
    );
  log(`gate: ${plan.probes.length} probes against ${apiUrl}, deadline ${Math.round(timeoutMs / 1000)} s`);
  // Every probe waits on the caller's signal at once (slots, sleeps): one listener on it, and a signal
  // of our own, without node's 10-listener warning, that the probes share.
  const probesStop = new AbortController();
  setMaxListeners(0, probesStop.signal);
  const stopProbes = (): void => probesStop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stopProbes, { once: true });
  const results = await Promise.all(
    plan.probes.map((spec: ProbeSpec) =>
      pollProbe(spec, {
        apiUrl,
        redactor,
        deadlineMs: deadlineAt - now(),
        timeoutMs: Math.max(1, Math.min(options.requestTimeoutMs ?? 5000, fairShareMs)),
        stableCount: options.stableCount ?? 2,
        intervalMs: options.intervalMs ?? 1000,
        confirmDelayMs: options.confirmDelayMs ?? 50,
        slots,
        log,
        ...(options.signal ? { signal: probesStop.signal } : {}),
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...clock,
      }),
    ),
  ).finally(() => options.signal?.removeEventListener('abort', stopProbes));
  const judged = judgeGate({
    results,
    skipped: plan.skipped,
    nowMs: started,
    ...(weaker !== undefined ? { notes: [`other-audience: ${weaker}`] } : {}),
    names,
    ...(token !== undefined ? { tokenClaims: decodeClaimsForLogging(token) } : {}),
    ...(options.expectedIssuer !== undefined ? { expectedIssuer: options.expectedIssuer } : {}),
    ...(options.expectedAudiences !== undefined ? { expectedAudiences: options.expectedAudiences } : {}),
  });
  const verdict = roleWait?.failure ? { ...judged, pass: false, failures: [roleWait.failure, ...judged.failures] } : judged;
  const passing = results.filter((r) => r.outcome === 'pass');
  return {
    apiUrl,
    startedAt: new Date(started).toISOString(),
    ms: now() - started,
    timeToStableMs: passing.reduce((max, r) => Math.max(max, r.ms), 0),
    results,
    skipped: plan.skipped,
    verdict,
  };
}

function checkExpectation(name: string, kind: 'unauthenticated' | 'authenticated', statuses: readonly number[]): readonly number[] {
  const why = unsafeExpectation(kind, statuses);
  if (why !== undefined) throw new InvalidInputError(name, statuses.join(','), why);
  return statuses;
}

function checkPath(path: string, name: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path)) throw new InvalidInputError(name, path, 'a path starting with /, e.g. /orders');
  return path;
}
