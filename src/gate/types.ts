/**
 * How a probe authenticates. Reports carry this name, never the header value.
 * `other-audience` is a genuine token for a different API; the rest are forgeries or malformed headers.
 */
export type AuthKind =
  | 'none'
  | 'valid-token'
  | 'forged-signature-known-kid'
  | 'forged-signature-new-kid'
  | 'tampered-payload'
  | 'alg-none'
  | 'hs256-attacker-secret'
  | 'expired-resigned'
  | 'bearer-without-token'
  | 'garbage-token'
  | 'basic-auth'
  | 'other-audience';

/** anonymous: no token; authenticated: the real token; negative: must be refused like anonymous. */
export type ProbeRole = 'anonymous' | 'authenticated' | 'negative';

/** One request the gate makes (repeatedly, until its answer is stable). Holds the secret header. */
export interface ProbeSpec {
  /** Unique and readable, e.g. `forged-signature-new-kid GET /orders`. */
  readonly name: string;
  readonly role: ProbeRole;
  readonly auth: AuthKind;
  readonly method: string;
  readonly path: string;
  /** The Authorization header value; absent for `none`. Never copied into results. */
  readonly authorization?: string;
  /** Statuses that count as the right answer. */
  readonly expect: readonly number[];
}

/** One answer to one request. `status` is absent when no answer arrived (then `error` says why). */
export interface ProbeAnswer {
  readonly status?: number;
  readonly error?: string;
  /** Redirect target, for 3xx answers. */
  readonly location?: string;
  /** The `www-authenticate` header (API Gateway explains JWT refusals there). */
  readonly wwwAuthenticate?: string;
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
