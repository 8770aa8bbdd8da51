import { sendProbe, type SendProbeOptions } from './send-probe';
import type { ProbeAnswer, ProbeResult, ProbeSpec } from './types';

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
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Repeats a probe until its expected answer comes `stableCount` times in a row, or the deadline
 * passes. Wrong answers are polled on too: a fresh deployment may answer wrongly for a while. A 5xx
 * or a missing answer never counts as stable.
 */
export async function pollProbe(spec: ProbeSpec, options: PollOptions): Promise<ProbeResult> {
  const started = Date.now();
  const elapsed = (): number => Date.now() - started;
  const sleep = options.sleep ?? realSleep;
  const keep = options.keepAnswers ?? 5;
  const answers: ProbeAnswer[] = [];
  let attempts = 0;
  let streak = 0;
  let previous: string | undefined;

  for (;;) {
    const remaining = options.deadlineMs - elapsed();
    const cutShort = remaining < options.timeoutMs;
    const answer = await sendProbe(spec, { ...options, timeoutMs: Math.max(1, Math.min(options.timeoutMs, remaining)), elapsed });
    attempts++;
    if (answer.status === undefined && cutShort && answers.some((a) => a.status !== undefined)) {
      // Only the gate's deadline silenced this attempt: judge the probe on the answers it did get, so a
      // slow but steady 401 is reported as a 401, not as an unreachable API.
      const last = [...answers].reverse().find((a) => a.status !== undefined)!;
      const lastExpected = spec.expect.includes(last.status!);
      return result(spec, lastExpected || last.status! >= 500 ? 'unstable' : 'wrong', answers, attempts, elapsed(), false);
    }
    answers.push(answer);
    if (answers.length > keep) answers.shift();
    const key = answerKey(answer);
    streak = key === previous ? streak + 1 : 1;
    previous = key;
    const settles = answer.status !== undefined && answer.status < 500;
    const expected = answer.status !== undefined && spec.expect.includes(answer.status);
    options.log?.(`probe ${spec.name}: attempt ${attempts} → ${answer.status ?? answer.error}${expected ? '' : ` (expected ${spec.expect.join('|')})`}`);
    if (expected && streak >= options.stableCount) return result(spec, 'pass', answers, attempts, elapsed(), true);
    const delay = expected ? options.confirmDelayMs : options.intervalMs;
    if (elapsed() + delay >= options.deadlineMs) {
      // A wrong status counts even if seen fewer than stableCount times: the deadline is the limit.
      return result(spec, settles ? 'wrong' : 'unstable', answers, attempts, elapsed(), streak >= options.stableCount);
    }
    await sleep(delay);
  }
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
    expected: spec.expect,
    outcome,
    stable,
    ...(last?.status !== undefined ? { actual: last.status } : {}),
    attempts,
    ms,
    lastAnswers: [...answers],
  };
}
