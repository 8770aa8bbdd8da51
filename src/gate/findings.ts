import type { GateReport, GateReportProbe } from './report';
import type { GateFailure } from './verdict';

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
  /** The gate probe that saw it (`alg-none GET /orders`), when a probe did: keeps two attacks on one route apart. */
  readonly probe?: string;
}

/**
 * The route a probe is about: the route key the probe was derived from when the report names it,
 * else the request it sent (`GET /orders`).
 */
export function probeRouteKey(probe: GateReportProbe & { readonly routeKey?: string }): string {
  return probe.routeKey ?? `${probe.request.method} ${probe.request.path}`;
}

/** One gate failure as a finding, about the route its probe targeted (when it had one). */
export function findingFromGateFailure(failure: GateFailure, routeKey?: string): Finding {
  return {
    code: failure.code,
    severity: 'failure',
    message: failure.reason,
    fix: failure.fix,
    ...(routeKey !== undefined ? { routeKey } : {}),
    ...(failure.reference !== undefined ? { reference: failure.reference } : {}),
    ...(failure.probe !== '(none)' ? { probe: failure.probe } : {}),
  };
}

/**
 * Everything a report concludes, as findings: the gate's failures, then whatever findings the report
 * carries already (the control-plane audit's).
 */
export function reportFindings(report: GateReport & { readonly findings?: readonly Finding[] }): Finding[] {
  const byName = new Map(report.probes.map((p) => [p.name, p]));
  const gate = report.failures.map((f) => {
    const probe = byName.get(f.probe);
    return findingFromGateFailure(f, probe ? probeRouteKey(probe) : undefined);
  });
  return [...gate, ...(report.findings ?? [])];
}
