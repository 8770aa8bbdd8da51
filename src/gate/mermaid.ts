import { probeRouteKey } from './findings';
import type { GateReport, GateReportProbe } from './report';

/**
 * The path a request takes, as a Mermaid flowchart GitHub draws in the job summary:
 * caller app → Entra ID → JWT authorizer → each route, with what each probe saw.
 */
export interface FlowLabels {
  /** The caller: `caller app <client id>`, or `a given token`. */
  readonly caller: string;
  /** Where the token came from: `Entra ID <tenant>`. */
  readonly entra: string;
  /** The authorizer: its issuer, when known. */
  readonly authorizer?: string;
  /** How the caller got its token. @default 'token exchange' */
  readonly exchange?: string;
}

/** How many routes, and failing probes per route, get their own node; the rest are counted. */
const MAX_ROUTES = 20;
const MAX_FAILED_PER_ROUTE = 6;
const MAX_LABEL = 80;

export function gateFlowDiagram(report: GateReport, labels: FlowLabels): string {
  const lines = header(labels);
  const exchanged = report.probes.some((p) => p.request.auth === 'valid-token');
  lines.push(`  caller -->|${mermaidLabel(exchanged ? (labels.exchange ?? 'token exchange') : 'no token')}| entra`);
  lines.push(
    `  entra -->|${mermaidLabel('access token')}| authz${node(labels.authorizer !== undefined ? `JWT authorizer ${labels.authorizer}` : 'JWT authorizer')}`,
  );
  const routes = groupByRoute(report.probes);
  routes.slice(0, MAX_ROUTES).forEach(([routeKey, probes], r) => {
    const failed = probes.filter((p) => p.outcome !== 'pass' && p.role !== 'informational');
    lines.push(`  authz --> r${r}${node(routeKey)}:::${failed.length > 0 ? 'fail' : 'pass'}`);
    for (const [i, item] of routeResults(probes).entries()) lines.push(`  r${r} --> r${r}p${i}${node(item.text)}:::${item.state}`);
  });
  if (routes.length > MAX_ROUTES) lines.push(`  authz --> more${node(`${routes.length - MAX_ROUTES} more routes: see the table`)}`);
  return fenced(lines);
}

/** The exchange failed: caller → Entra, refused with its code. */
export function exchangeFailedDiagram(labels: FlowLabels, code: string): string {
  const lines = header(labels);
  lines.push(`  caller -->|${mermaidLabel(labels.exchange ?? 'token exchange')}| entra`);
  lines.push(`  entra -->|${mermaidLabel('refused')}| refused${node(code)}:::fail`);
  return fenced(lines);
}

interface ResultNode {
  readonly text: string;
  readonly state: 'pass' | 'fail' | 'info';
}

/** Per route: no token, the valid token, the attacks (one node when all were refused), header forms. */
function routeResults(probes: readonly GateReportProbe[]): ResultNode[] {
  const nodes: ResultNode[] = [];
  const seen = (p: GateReportProbe) => (p.actual === null ? 'no answer' : String(p.actual));
  const mark = (p: GateReportProbe) => (p.outcome === 'pass' ? '✓' : '✗');
  for (const p of probes.filter((x) => x.role === 'anonymous'))
    nodes.push({ text: `no token: ${seen(p)} ${mark(p)}`, state: p.outcome === 'pass' ? 'pass' : 'fail' });
  for (const p of probes.filter((x) => x.role === 'authenticated'))
    nodes.push({ text: `valid token: ${seen(p)} ${mark(p)}`, state: p.outcome === 'pass' ? 'pass' : 'fail' });
  const attacks = probes.filter((x) => x.role === 'negative');
  const accepted = attacks.filter((p) => p.outcome !== 'pass');
  const refused = attacks.length - accepted.length;
  if (refused > 0) nodes.push({ text: `${refused} of ${attacks.length} attacks refused ✓`, state: 'pass' });
  for (const p of accepted.slice(0, MAX_FAILED_PER_ROUTE)) nodes.push({ text: `${p.request.auth}: ${seen(p)} ✗`, state: 'fail' });
  if (accepted.length > MAX_FAILED_PER_ROUTE) nodes.push({ text: `${accepted.length - MAX_FAILED_PER_ROUTE} more attacks not refused ✗`, state: 'fail' });
  const informational = probes.filter((x) => x.role === 'informational');
  if (informational.length > 0) nodes.push({ text: `${informational.length} other header forms (reported only)`, state: 'info' });
  return nodes;
}

function groupByRoute(probes: readonly GateReportProbe[]): [string, GateReportProbe[]][] {
  const routes = new Map<string, GateReportProbe[]>();
  for (const p of probes) {
    const key = probeRouteKey(p);
    routes.set(key, [...(routes.get(key) ?? []), p]);
  }
  return [...routes];
}

function header(labels: FlowLabels): string[] {
  return [
    'flowchart LR',
    '  classDef pass fill:#dafbe1,stroke:#1a7f37,color:#0d3a1b',
    '  classDef fail fill:#ffebe9,stroke:#cf222e,color:#5c0b0f',
    '  classDef info fill:#ddf4ff,stroke:#0969da,color:#0a3069',
    `  caller${node(labels.caller)}`,
    `  entra${node(labels.entra)}`,
  ];
}

function fenced(lines: readonly string[]): string {
  return `\`\`\`mermaid\n${lines.join('\n')}\n\`\`\``;
}

/** `["…"]`: a quoted node label. */
function node(text: string): string {
  return `["${mermaidLabel(text)}"]`;
}

/**
 * Label text Mermaid cannot read as syntax: letters, digits, spaces and `. / : _ -` as they are,
 * everything else (quotes, brackets, pipes, `#`, `<`, `;`, backticks, emoji) as a `#code;` entity,
 * which Mermaid decodes for display. One line, at most {@link MAX_LABEL} characters.
 */
export function mermaidLabel(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  const clipped = chars.length > MAX_LABEL ? [...chars.slice(0, MAX_LABEL - 1), '…'] : chars;
  return clipped.map((c) => (/^[A-Za-z0-9 ./:_-]$/.test(c) ? c : `#${c.codePointAt(0)};`)).join('');
}
