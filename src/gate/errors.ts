import { GuardError } from '../errors';
import type { Finding } from './findings';
import type { Verdict } from './verdict';

/** Reason codes of gate failures; stable, for callers and reports to switch on. */
export type GateFailureCode =
  /** A request without a token was answered 2xx. */
  | 'ERR_GATE_OPEN_API'
  /** A forged, tampered, unsigned or expired token (or a malformed header) was not refused. */
  | 'ERR_GATE_ACCEPTS_FORGED'
  /** A genuine token for another audience was accepted. */
  | 'ERR_GATE_ACCEPTS_WRONG_AUDIENCE'
  /** The valid token was refused with 401. */
  | 'ERR_GATE_UNAUTHORIZED'
  /** The valid token was refused with 403. */
  | 'ERR_GATE_FORBIDDEN'
  /** No token carried an expected app role by the deadline (the role assignment is missing or still replicating). */
  | 'ERR_GATE_MISSING_ROLE'
  /** A 3xx answer (redirects are never followed). */
  | 'ERR_GATE_REDIRECT'
  /** 5xx until the deadline. */
  | 'ERR_GATE_SERVER_ERROR'
  /** No stable answer (or no answer at all) before the deadline. */
  | 'ERR_GATE_TIMEOUT'
  /** Throttled (429) until the deadline, although the gate paced itself and honoured Retry-After. */
  | 'ERR_GATE_THROTTLED'
  /** A stable answer that is none of the above and not expected (e.g. 404, or 403 without a token). */
  | 'ERR_GATE_UNEXPECTED_STATUS';

/** What each code means, in one line: code scanning shows it as the rule's description. */
export const GATE_FAILURE_TITLES: Readonly<Record<GateFailureCode, string>> = {
  ERR_GATE_OPEN_API: 'The API answers requests without a token',
  ERR_GATE_ACCEPTS_FORGED: 'The API accepts a forged, tampered, unsigned or expired token',
  ERR_GATE_ACCEPTS_WRONG_AUDIENCE: 'The API accepts a genuine token issued for another API',
  ERR_GATE_UNAUTHORIZED: 'The API refuses a valid token with 401',
  ERR_GATE_FORBIDDEN: 'The API refuses a valid token with 403',
  ERR_GATE_MISSING_ROLE: "The pipeline's token carries none of the API's app roles",
  ERR_GATE_REDIRECT: 'The API answers with a redirect',
  ERR_GATE_SERVER_ERROR: 'The API answers 5xx',
  ERR_GATE_TIMEOUT: 'The API gave no stable answer before the deadline',
  ERR_GATE_UNEXPECTED_STATUS: 'The API answers with an unexpected status',
  ERR_GATE_THROTTLED: 'The API answered 429 (throttled) until the deadline',
};

/** Thrown by callers that turn a failed verdict (or failing audit findings) into an error; carries both. */
export class GateFailedError extends GuardError {
  override readonly code = 'ERR_GATE_FAILED' as const;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  constructor(verdict: Verdict, findings: readonly Finding[] = []) {
    const failing = findings.filter((f) => f.severity === 'failure');
    const count = verdict.failures.length + failing.length;
    const more = count > 1 ? ` (and ${count - 1} more)` : '';
    const first = verdict.failures[0];
    const finding = failing[0];
    super(
      'ERR_GATE_FAILED',
      first
        ? `gate failed: ${first.probe}: ${first.code}: ${first.reason}${more}`
        : finding
          ? `gate failed: ${finding.code}: ${finding.message}${more}`
          : 'gate failed',
    );
    this.verdict = verdict;
    this.findings = findings;
  }
}
