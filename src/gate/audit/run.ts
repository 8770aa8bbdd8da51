import type { Finding } from '../findings';
import { AUDIT_RULES } from './registry';
import type { AuditInput, AuditRule } from './types';

export interface AuditOptions {
  /** Authorizer names or ids declared on purpose (`--allow-authorizer`, `allow-authorizers`); `AWS_IAM` for IAM routes. */
  readonly allowAuthorizers?: Iterable<string>;
  /** @default every registered rule */
  readonly rules?: readonly AuditRule[];
}

/**
 * Pure: runs every audit rule over what the control plane said and returns the findings, failures
 * first, in rule order. Suppression lives here, once: a hit on a route declared public, or on an
 * authorizer declared with --allow-authorizer, is dropped for rules that allow it.
 */
export function auditApi(input: AuditInput, options: AuditOptions = {}): Finding[] {
  const allowed = new Set(options.allowAuthorizers ?? []);
  const findings: Finding[] = [];
  for (const rule of options.rules ?? AUDIT_RULES) {
    for (const hit of rule.check(input)) {
      if (rule.suppressedBy === 'public-route' && hit.routeKey !== undefined && input.publicRoutes.has(hit.routeKey)) continue;
      if (
        rule.suppressedBy === 'allow-authorizer' &&
        hit.authorizer &&
        (allowed.has(hit.authorizer.id) || (hit.authorizer.name !== undefined && allowed.has(hit.authorizer.name)))
      )
        continue;
      findings.push({
        code: rule.code,
        severity: rule.severity,
        message: hit.message,
        fix: hit.fix ?? rule.fix,
        ...(hit.routeKey !== undefined ? { routeKey: hit.routeKey } : {}),
        ...(hit.authorizer ? { authorizer: hit.authorizer.name ?? hit.authorizer.id } : {}),
        ...(rule.reference !== undefined ? { reference: rule.reference } : {}),
      });
    }
  }
  return [...findings.filter((f) => f.severity === 'failure'), ...findings.filter((f) => f.severity === 'warning')];
}

/** The README's table of audit codes (a test keeps the README equal to it). */
export function auditTableMarkdown(): string {
  const rows = AUDIT_RULES.map(
    (rule) =>
      `| \`${rule.code}\` | ${rule.severity} | ${rule.title} | ${rule.suppressedBy === 'public-route' ? '`--public-route`' : rule.suppressedBy === 'allow-authorizer' ? '`--allow-authorizer`' : '—'} |`,
  );
  return ['| code | severity | rule | accepted with |', '|---|---|---|---|', ...rows].join('\n');
}
