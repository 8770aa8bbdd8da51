import type { Finding, GateReportRoute } from '../gate';
import { Redactor, quoteUntrusted } from '../redact';
import type { colours } from './io';

type Paint = ReturnType<typeof colours>;

/** One line per route: mark, route key, authorizer, the requests sent and the findings naming it. */
export function routeLines(routes: readonly GateReportRoute[], paint: Paint): string[] {
  if (routes.length === 0) return [];
  const width = Math.min(40, Math.max(...routes.map((r) => r.routeKey.length)));
  return [
    'routes:',
    ...routes.map((r) => {
      const mark = r.result === 'pass' ? paint.green('✓') : r.result === 'fail' ? paint.red('✗') : paint.dim('-');
      const authorizer =
        r.authorization === 'NONE' ? (r.public ? 'public' : paint.red('no authorizer')) : `${printable(r.authorizer ?? r.authorization)} (${r.authorization})`;
      const tokenProbes = r.probes.length - r.requests.length;
      const sent = r.requests.length > 0 ? `${r.requests.join(', ')}${tokenProbes > 0 ? ` +${tokenProbes} token probes` : ''}` : (r.note ?? 'not probed');
      const codes = r.findings.length > 0 ? `  ${paint.dim(r.findings.join(', '))}` : '';
      return `  ${mark} ${printable(r.routeKey).padEnd(width)}  ${authorizer}  ${paint.dim(printable(sent))}${codes}`;
    }),
  ];
}

/** Each finding as two lines: severity, code, what was seen; then the fix. */
export function findingLines(findings: readonly Finding[], paint: Paint): string[] {
  return findings.flatMap((f) => [
    `${f.severity === 'failure' ? paint.red(f.code) : paint.yellow(f.code)} ${printable(f.message)}`,
    `  fix: ${printable(f.fix)}`,
  ]);
}

/** Route keys and authorizer names come from the API's owner: printed without control characters. */
export function printable(text: string): string {
  return quoteUntrusted(text, NO_SECRETS, { keepQuotes: true, max: 500 });
}

// The streams redact the run's secrets; here only control characters and workflow commands go.
const NO_SECRETS = new Redactor();
