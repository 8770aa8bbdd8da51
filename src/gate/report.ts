import { mdCode, mdText } from './markdown';
import type { Finding } from './findings';
import { buildRouteRows, renderFindingsMarkdown, renderRoutesMarkdown, type GateReportApi, type GateReportRoute, type RouteReportInput } from './report-routes';
import type { AuthKind, ProbeOutcome, ProbeRole, SkippedProbe } from './types';
import type { GateFailure } from './verdict';
import type { GateRun } from './verify';

export type { GateReportApi, GateReportRoute } from './report-routes';

/** The gate's machine-readable report. Holds request summaries only: never a token or header value. */
export interface GateReport {
  /** The probes passed and the control-plane audit found no failure. */
  readonly pass: boolean;
  readonly apiUrl: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly timeToStableMs: number;
  readonly probes: readonly GateReportProbe[];
  readonly failures: readonly GateFailure[];
  readonly warnings: readonly string[];
  readonly skipped: readonly SkippedProbe[];
  /** The API as the control plane described it, when it was read. */
  readonly api?: GateReportApi;
  /** One row per deployed route (route key, authorizer, probes, result); empty when the routes were not read. */
  readonly routes: readonly GateReportRoute[];
  /** What the control-plane audit found (failures fail the gate too); empty when the control plane was not read. */
  readonly findings: readonly Finding[];
}

export interface GateReportProbe {
  readonly name: string;
  /** `informational` probes (the real token in another header form) are reported, never failed on. */
  readonly role: ProbeRole;
  readonly request: { readonly method: string; readonly path: string; readonly auth: AuthKind };
  /** The deployed route the request reached, and its authorizer, when the routes were read. */
  readonly routeKey?: string;
  readonly authorizer?: string;
  readonly expected: readonly number[];
  readonly actual: number | null;
  readonly outcome: ProbeOutcome;
  readonly stable: boolean;
  readonly attempts: number;
  readonly ms: number;
  readonly lastAnswers: readonly { readonly status: number | null; readonly error?: string; readonly location?: string; readonly atMs: number }[];
}

/** The report of a gate run, with the routes it derived and the audit's findings when the control plane was read. */
export function buildGateReport(run: GateRun, extras: RouteReportInput = {}): GateReport {
  const findings = extras.findings ?? [];
  return {
    pass: run.verdict.pass && !findings.some((f) => f.severity === 'failure'),
    apiUrl: run.apiUrl,
    startedAt: run.startedAt,
    ms: run.ms,
    timeToStableMs: run.timeToStableMs,
    probes: run.results.map((r) => ({
      name: r.name,
      role: r.role,
      request: { method: r.method, path: r.path, auth: r.auth },
      ...(r.routeKey !== undefined ? { routeKey: r.routeKey } : {}),
      ...(r.authorizer !== undefined ? { authorizer: r.authorizer } : {}),
      expected: r.expected,
      actual: r.actual ?? null,
      outcome: r.outcome,
      stable: r.stable,
      attempts: r.attempts,
      ms: r.ms,
      lastAnswers: r.lastAnswers.map((a) => ({
        status: a.status ?? null,
        ...(a.error !== undefined ? { error: a.error } : {}),
        ...(a.location !== undefined ? { location: a.location } : {}),
        atMs: a.atMs,
      })),
    })),
    failures: run.verdict.failures,
    warnings: run.verdict.warnings,
    skipped: run.skipped,
    ...(extras.api ? { api: extras.api } : {}),
    routes: buildRouteRows(run.results, extras.routes ?? [], findings),
    findings,
  };
}

/**
 * A Markdown summary for `$GITHUB_STEP_SUMMARY`: verdict, one table row per probe, then fixes. What the
 * API sent (answers, errors, redirect targets) only ever appears inside code spans (./markdown).
 */
export function renderGateMarkdown(report: GateReport): string {
  const lines: string[] = [];
  lines.push(`### entra-api-guard gate: ${report.pass ? '✅ passed' : '❌ failed'}`);
  lines.push('');
  lines.push(
    `API ${mdCode(report.apiUrl)} — ${report.probes.length} probes in ${(report.ms / 1000).toFixed(1)} s, stable after ${(report.timeToStableMs / 1000).toFixed(1)} s.`,
  );
  lines.push('');
  lines.push(...renderRoutesMarkdown(report.routes, report.api));
  lines.push(...renderFindingsMarkdown(report.findings));
  lines.push('| Probe | Request | Auth | Expected | Actual | Attempts | Time |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const p of report.probes) {
    const mark = p.role === 'informational' ? 'ℹ️' : p.outcome === 'pass' ? '✅' : '❌';
    const actual = p.actual === null ? (p.lastAnswers[p.lastAnswers.length - 1]?.error ?? 'no answer') : String(p.actual);
    lines.push(
      `| ${mark} ${mdCode(p.name)} | ${mdCode(`${p.request.method} ${p.request.path}`)} | ${p.request.auth} | ${p.expected.join(', ')} | ${mdCode(actual)} | ${p.attempts} | ${p.ms} ms |`,
    );
  }
  if (report.failures.length > 0) {
    lines.push('');
    lines.push('#### Failures');
    lines.push('');
    for (const f of report.failures)
      lines.push(
        `- **${mdText(f.probe)}** ${mdCode(f.code)}: ${mdCode(f.reason, 600)}. Fix: ${mdText(f.fix)}${f.reference ? ` (attack reference: ${mdText(f.reference)})` : ''}`,
      );
  }
  if (report.warnings.length > 0) {
    lines.push('');
    lines.push('#### Warnings');
    lines.push('');
    for (const w of report.warnings) lines.push(`- ${mdText(w)}`);
  }
  return `${lines.join('\n')}\n`;
}
