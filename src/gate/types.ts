import type { AttackCode, HeaderForm } from './attacks';

/**
 * How a probe authenticates. Reports carry this name, never the header value: `none`, `valid-token`,
 * the genuine token in another header form (`valid-token-raw-token`, …), or an attack's code
 * (src/gate/attacks; `other-audience` is a genuine token for a different API).
 */
export type AuthKind = 'none' | 'valid-token' | `valid-token-${HeaderForm}` | AttackCode;

/**
 * anonymous: no token, must be refused; public: no token, on a route declared public, where any answer
 * but a 5xx is right; authenticated: the real token; negative: must be refused like anonymous;
 * informational: the real token in another header form, where either answer is right (reported, never failed on).
 */
export type ProbeRole = 'anonymous' | 'public' | 'authenticated' | 'negative' | 'informational';

/** One request the gate makes (repeatedly, until its answer is stable). Holds the secret header. */
export interface ProbeSpec {
  /** Unique and readable, e.g. `forged-signature-new-kid GET /orders`. */
  readonly name: string;
  readonly role: ProbeRole;
  readonly auth: AuthKind;
  readonly method: string;
  readonly path: string;
  /** The deployed route the request reaches, when the routes were read from the control plane. */
  readonly routeKey?: string;
  /** That route's authorizer (name, else id; `AWS_IAM`). */
  readonly authorizer?: string;
  /** The Authorization header value; absent for `none`. Never copied into results. */
  readonly authorization?: string;
  /** Statuses that count as the right answer; empty for `public` probes, where every status below 500 does. */
  readonly expect: readonly number[];
}

/** Whether a status is the right answer to a probe (a public route's: anything below 500 but a 429). */
export function isExpectedStatus(
  probe: { readonly role: ProbeRole; readonly expect?: readonly number[]; readonly expected?: readonly number[] },
  status: number,
): boolean {
  if (probe.role === 'public') return status < 500 && status !== 429;
  return (probe.expect ?? probe.expected ?? []).includes(status);
}

/** One answer to one request. `status` is absent when no answer arrived (then `error` says why). */
export interface ProbeAnswer {
  readonly status?: number;
  /** Why no answer arrived, quoted like `location`. */
  readonly error?: string;
  /** Redirect target, for 3xx answers. Quoted safely: no control characters, quotes or secret runs, ≤ 300 characters. */
  readonly location?: string;
  /** The `www-authenticate` header (API Gateway explains JWT refusals there), quoted like `location`. */
  readonly wwwAuthenticate?: string;
  /** A 429's `Retry-After`, in ms from the answer (seconds or an HTTP date). */
  readonly retryAfterMs?: number;
  /** When the request started, in ms since the probe started. */
  readonly atMs: number;
  readonly durationMs: number;
}

/** The answer recorded for a probe whose first request never fit before the gate's deadline. */
export const NOT_SENT_DEADLINE = 'not sent: deadline';

/**
 * - pass: the expected answer, `stableCount` times in a row;
 * - wrong: at the deadline the last answer was another (non-5xx) status;
 * - unstable: at the deadline the last answer was a 5xx or no answer at all.
 */
export type ProbeOutcome = 'pass' | 'wrong' | 'unstable';

/** What happened to one probe; safe to print (no header values). */
export interface ProbeResult {
  readonly name: string;
  readonly role: ProbeRole;
  readonly auth: AuthKind;
  readonly method: string;
  readonly path: string;
  readonly routeKey?: string;
  readonly authorizer?: string;
  readonly expected: readonly number[];
  readonly outcome: ProbeOutcome;
  /** Whether the last answer had repeated `stableCount` times (a wrong answer may still be changing). */
  readonly stable: boolean;
  /** The last status seen, if any answer arrived. */
  readonly actual?: number;
  readonly attempts: number;
  /** Time until the answer was stable (pass) or until the probe gave up. */
  readonly ms: number;
  /** The last few answers, oldest first. */
  readonly lastAnswers: readonly ProbeAnswer[];
}

/** A probe that was planned but could not run, and why (e.g. no token to send). */
export interface SkippedProbe {
  readonly name: string;
  readonly auth: AuthKind;
  readonly reason: string;
}
