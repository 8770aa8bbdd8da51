import type { RouteAuthorization } from './control-plane/types';
import type { Finding } from './findings';
import { mdCode, mdText } from './markdown';
import type { RouteTarget } from './route-targets';
import type { ProbeResult } from './types';

/** The API the gate read from the control plane. */
export interface GateReportApi {
  readonly apiId: string;
  readonly name?: string;
  /** The stage probed; absent when the API has none. */
  readonly stage?: string;
}

/** One deployed route in the report: what protects it, what was sent to it, and the result. */
export interface GateReportRoute {
  readonly routeKey: string;
  readonly authorization: RouteAuthorization;
  /** The authorizer's name (else id); `AWS_IAM` for IAM routes. */
  readonly authorizer?: string;
  /** Declared public (any answer but a 5xx is right). */
  readonly public: boolean;
  /** `METHOD /path` of each request that probed it without a token. */
  readonly requests: readonly string[];
  /** Names of every probe sent to it (anonymous, valid token, forgeries). */
  readonly probes: readonly string[];
  /** Codes of the audit findings about this route or its authorizer. */
  readonly findings: readonly string[];
  /** fail: a probe failed or a failure finding names it; not probed: no request reaches it. */
  readonly result: 'pass' | 'fail' | 'not probed';
  /** Why it was not probed. */
  readonly note?: string;
}

export interface RouteReportInput {
  readonly api?: GateReportApi;
  /** The routes the gate derived its probes from. */
  readonly routes?: readonly RouteTarget[];
  /** The control-plane audit's findings. */
  readonly findings?: readonly Finding[];
}

/** Pure: one row per derived route, from the probe results and the findings. */
export function buildRouteRows(results: readonly ProbeResult[], routes: readonly RouteTarget[], findings: readonly Finding[]): GateReportRoute[] {
  return routes.map((route) => {
    const probes = results.filter((r) => r.routeKey === route.routeKey);
    const about = findings.filter(
      (f) => f.routeKey === route.routeKey || (f.routeKey === undefined && f.authorizer !== undefined && f.authorizer === route.authorizer),
    );
    const failed = probes.some((p) => p.outcome !== 'pass' && p.role !== 'informational') || about.some((f) => f.severity === 'failure');
    const result = failed ? 'fail' : probes.length === 0 ? 'not probed' : 'pass';
    return {
      routeKey: route.routeKey,
      authorization: route.authorization,
      ...(route.authorizer !== undefined ? { authorizer: route.authorizer } : {}),
      public: route.public,
      requests: probes.filter((p) => p.auth === 'none').map((p) => `${p.method} ${p.path}`),
      probes: probes.map((p) => p.name),
      findings: [...new Set(about.map((f) => f.code))],
      result,
      ...(route.unreachable !== undefined ? { note: `not probed: ${route.unreachable}` } : {}),
    };
  });
}

/** The route table for the job summary: route key, authorizer, probes, result. Empty without routes. */
export function renderRoutesMarkdown(routes: readonly GateReportRoute[], api?: GateReportApi): string[] {
  if (routes.length === 0) return [];
  const lines = [
    `#### Routes${api ? ` of ${mdText(api.name ?? api.apiId)} (${mdCode(api.apiId)}${api.stage ? `, stage ${mdCode(api.stage)}` : ''})` : ''}`,
    '',
    '| Route | Authorizer | Probes | Result |',
    '|---|---|---|---|',
  ];
  for (const r of routes) {
    const mark = r.result === 'pass' ? '✅' : r.result === 'fail' ? '❌' : '➖';
    const authorizer =
      r.authorization === 'NONE' ? (r.public ? 'none (public)' : '**none**') : `${mdText(r.authorizer ?? r.authorization)} (${r.authorization})`;
    const tokenProbes = r.probes.length - r.requests.length;
    const probes = [...r.requests.map((q) => mdCode(q)), ...(tokenProbes > 0 ? [`+${tokenProbes} token probes`] : [])].join(', ') || mdText(r.note ?? '—');
    const result = `${mark} ${r.result}${r.findings.length > 0 ? ` (${r.findings.map((c) => `\`${c}\``).join(', ')})` : ''}`;
    lines.push(`| ${mdCode(r.routeKey)} | ${authorizer} | ${probes} | ${result} |`);
  }
  lines.push('');
  return lines;
}

/** The audit's findings with their fixes, failures first. Empty without findings. */
export function renderFindingsMarkdown(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return [];
  const lines = ['#### Control-plane audit', ''];
  for (const f of findings) {
    const where = f.routeKey ?? (f.authorizer !== undefined ? `authorizer ${f.authorizer}` : undefined);
    lines.push(
      `- ${f.severity === 'failure' ? '❌' : '⚠️'} \`${f.code}\`${where !== undefined ? ` **${mdText(where)}**` : ''}: ${mdText(f.message)}. Fix: ${mdText(f.fix)}`,
    );
  }
  lines.push('');
  return lines;
}
