import { setTimeout as delay } from 'node:timers/promises';
import type { RequestSlots } from './request-slots';
import { sendProbe, type SendProbeOptions } from './send-probe';
import { NOT_SENT_DEADLINE, isExpectedStatus, type ProbeAnswer, type ProbeResult, type ProbeSpec } from './types';

export interface PollOptions extends Omit<SendProbeOptions, 'elapsed'> {
  /** The probe gives up this long after it started. */
  readonly deadlineMs: number;
  /** Equal answers in a row before an answer counts. */
  readonly stableCount: number;
  /** Wait after an answer that is wrong, changed, 5xx or missing. */
  readonly intervalMs: number;
  /** Wait before repeating an expected answer to confirm it. */
  readonly confirmDelayMs: number;
  /** How many answers a result keeps. @default 5 */
  readonly keepAnswers?: number;
  /** Shared among the gate's probes: each request waits for a slot. @default no limit */
  readonly slots?: RequestSlots;
  /** One line each time the probe's answer changes (not per attempt: a dead host would flood the log). */
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Less time than this left: a request could only time out, so it is not sent. */
export const MIN_ATTEMPT_MS = 100;

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {});

/**
 * Repeats a probe until its expected answer comes `stableCount` times in a row, or the deadline
 * passes. Wrong answers are polled on too: a fresh deployment may answer wrongly for a while. A 5xx
 * or a missing answer never counts as stable. `signal` (Ctrl-C) rejects at once with its reason.
 */
export async function pollProbe(spec: ProbeSpec, options: PollOptions): Promise<ProbeResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const elapsed = (): number => now() - started;
  const sleep = options.sleep ?? realSleep;
  const keep = options.keepAnswers ?? 5;
  const signal = options.signal;
  const answers: ProbeAnswer[] = [];
  let attempts = 0;
  let streak = 0;
  let previous: string | undefined;
  let loggedState: string | undefined;
  // Only the gate's deadline stopped this probe: judge it on the answers it did get, so a slow but
  // steady 401 is reported as a 401, not as an unreachable API; with none, it was never sent.
  const judgeAtDeadline = (): ProbeResult => {
    const last = [...answers].reverse().find((a) => a.status !== undefined);
    if (last === undefined) {
      if (attempts > 0) return result(spec, 'unstable', answers, attempts, elapsed(), false);
      return result(spec, 'unstable', [{ error: NOT_SENT_DEADLINE, atMs: elapsed(), durationMs: 0 }], 0, elapsed(), false);
    }
    const lastExpected = isExpectedStatus(spec, last.status!);
    return result(spec, lastExpected || !settles(last.status!) ? 'unstable' : 'wrong', answers, attempts, elapsed(), false);
  };

  for (;;) {
    const release = options.slots ? await options.slots.acquire(signal) : () => undefined;
    let answer: ProbeAnswer;
    let cutShort: boolean;
    try {
      const remaining = options.deadlineMs - elapsed();
      if (remaining < Math.min(MIN_ATTEMPT_MS, options.timeoutMs)) return judgeAtDeadline();
      cutShort = remaining < options.timeoutMs;
      answer = await sendProbe(spec, { ...options, timeoutMs: Math.max(1, Math.min(options.timeoutMs, remaining)), elapsed });
    } finally {
      release();
    }
    signal?.throwIfAborted();
    attempts++;
    if (answer.status === undefined && cutShort && answers.some((a) => a.status !== undefined)) return judgeAtDeadline();
    answers.push(answer);
    if (answers.length > keep) answers.shift();
    const key = answerKey(answer);
    streak = key === previous ? streak + 1 : 1;
    previous = key;
    const settled = answer.status !== undefined && settles(answer.status);
    const expected = answer.status !== undefined && isExpectedStatus(spec, answer.status);
    // One line per change of state (a status, or "no answer" whatever the network error), so an
    // unreachable API whose errors alternate between a time-out and ENOTFOUND does not flood the log.
    const state = answer.status !== undefined ? String(answer.status) : 'no answer';
    if (state !== loggedState)
      options.log?.(`probe ${spec.name}: attempt ${attempts} → ${answer.status ?? answer.error}${expected ? '' : ` (expected ${describeExpected(spec)})`}`);
    loggedState = state;
    if (expected && streak >= options.stableCount) return result(spec, 'pass', answers, attempts, elapsed(), true);
    if (answer.status === 429) {
      // The stage's token bucket is empty: every probe waits (Retry-After, else one interval), within the deadline.
      const wait = answer.retryAfterMs ?? options.intervalMs;
      if (elapsed() + wait >= options.deadlineMs) return result(spec, 'unstable', answers, attempts, elapsed(), false);
      if (options.slots) options.slots.holdUntil(now() + wait);
      else await sleep(wait, signal);
      continue;
    }
    const wait = expected ? options.confirmDelayMs : options.intervalMs;
    if (elapsed() + wait >= options.deadlineMs) {
      // A wrong status counts even if seen fewer than stableCount times: the deadline is the limit.
      return result(spec, settled ? 'wrong' : 'unstable', answers, attempts, elapsed(), streak >= options.stableCount);
    }
    await sleep(wait, signal);
  }
}

/** A status that can be the final answer: not a 5xx, and not a 429 (throttled: ask again later). */
function settles(status: number): boolean {
  return status < 500 && status !== 429;
}

function describeExpected(spec: ProbeSpec): string {
  return spec.role === 'public' ? 'any status below 500' : spec.expect.join('|');
}

function answerKey(answer: ProbeAnswer): string {
  return answer.status !== undefined ? `${answer.status} ${answer.location ?? ''}` : `error ${answer.error ?? ''}`;
}

function result(spec: ProbeSpec, outcome: ProbeResult['outcome'], answers: ProbeAnswer[], attempts: number, ms: number, stable: boolean): ProbeResult {
  const last = [...answers].reverse().find((a) => a.status !== undefined);
  return {
    name: spec.name,
    role: spec.role,
    auth: spec.auth,
    method: spec.method,
    path: spec.path,
    ...(spec.routeKey !== undefined ? { routeKey: spec.routeKey } : {}),
    ...(spec.authorizer !== undefined ? { authorizer: spec.authorizer } : {}),
    expected: spec.expect,
    outcome,
    stable,
    ...(last?.status !== undefined ? { actual: last.status } : {}),
    attempts,
    ms,
    lastAnswers: [...answers],
  };
}
