/**
 * One shape for everything the gate and the control-plane audit conclude, so reports, the job summary
 * and SARIF are each written once. Codes are stable (users search for them, suppress them and code
 * scanning keys its rules on them): a published code never changes meaning.
 */
export type FindingSeverity = 'failure' | 'warning';

export interface Finding {
  /** Stable code, e.g. `ERR_GATE_OPEN_API` (gate) or `AUDIT_ROUTE_WITHOUT_AUTHORIZER` (audit). */
  readonly code: string;
  /** `failure` fails the gate or the audit; `warning` is reported only. */
  readonly severity: FindingSeverity;
  /** One line: what was seen. */
  readonly message: string;
  /** One line: what to change. */
  readonly fix: string;
  /** The route key the finding is about (`GET /orders`, `$default`), when it is about one route. */
  readonly routeKey?: string;
  /** The authorizer's name (or id) the finding is about, when it is about one. */
  readonly authorizer?: string;
  /** A CVE or the tool whose attack found it (gate attack probes). */
  readonly reference?: string;
}
