import { EXTRA_AUDIENCE } from './rules/extra-audience';
import { FOREIGN_ISSUER } from './rules/foreign-issuer';
import { GITHUB_ISSUER } from './rules/github-issuer';
import { MICROSOFT_AUDIENCE } from './rules/microsoft-audience';
import { ROUTE_DRIFT } from './rules/route-drift';
import { ROUTE_WITHOUT_AUTHORIZER } from './rules/route-without-authorizer';
import { SCOPES_APP_ONLY } from './rules/scopes-app-only';
import { STAGE_ACCESS_LOGS, STAGE_MISSING, STAGE_THROTTLING } from './rules/stage';
import { TOKEN_VERSION_ISSUER } from './rules/token-version-issuer';
import { UNJUDGED_AUTHORIZATION } from './rules/unjudged-authorization';
import type { AuditRule } from './types';

/** Every audit rule, in report order: the one place rules are registered (runner, README table, SARIF). */
export const AUDIT_RULES: readonly AuditRule[] = [
  ROUTE_WITHOUT_AUTHORIZER,
  UNJUDGED_AUTHORIZATION,
  GITHUB_ISSUER,
  TOKEN_VERSION_ISSUER,
  FOREIGN_ISSUER,
  MICROSOFT_AUDIENCE,
  EXTRA_AUDIENCE,
  SCOPES_APP_ONLY,
  STAGE_MISSING,
  STAGE_ACCESS_LOGS,
  STAGE_THROTTLING,
  ROUTE_DRIFT,
];

export const AUDIT_CODES: readonly string[] = AUDIT_RULES.map((rule) => rule.code);

export function auditRuleByCode(code: string): AuditRule | undefined {
  return AUDIT_RULES.find((rule) => rule.code === code);
}
