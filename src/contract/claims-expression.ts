import { InvalidInputError } from '../errors';
import { isLoopbackHost } from './urls';
import { GITHUB_ISSUER } from './github';

/** One comparison of a flexible federated credential: `claims['sub'] matches 'repo:o/r:*'`. */
export interface ClaimCondition {
  readonly claim: string;
  readonly operator: 'matches' | 'eq';
  /** The comparand; for `matches`, `*` is any run of characters and `?` exactly one. */
  readonly value: string;
}

export interface ExpressionContext {
  /** The credential's issuer: it decides which claims the expression may test. */
  readonly issuer: string;
  /** Names the input in errors. @default 'claimsMatchingExpression' */
  readonly key?: string;
}

/**
 * Which issuers take flexible credentials, and which claims each may test (Entra's flexible FIC page,
 * preview): GitHub's public issuer only (no enterprise custom issuer, no GHES) with `sub` and
 * `job_workflow_ref`; GitLab and Terraform Cloud with `sub` only. A loopback issuer counts as GitHub:
 * it is the offline GitHub emulator standing in for it, and cannot exist in the cloud.
 */
function claimsAllowedFor(issuer: string): readonly string[] | undefined {
  if (issuer === GITHUB_ISSUER) return ['sub', 'job_workflow_ref'];
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return undefined;
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname)) return ['sub', 'job_workflow_ref'];
  if (/^https:\/\/gitlab(\.[A-Za-z0-9-]+)?\.(com|ca)$/.test(issuer)) return ['sub'];
  if (issuer === 'https://app.terraform.io' || issuer === 'https://app.eu.terraform.io') return ['sub'];
  return undefined;
}

// One condition, anchored where the previous one ended: exactly one space around the operator and
// around `and`, the comparand in straight single quotes. The language has no escape inside a
// comparand, so a comparand cannot hold a quote: the stricter reading of "single quotes are
// interpreted as escape characters" [uncertain].
const CONDITION = /claims\['([^'\]]*)'\] ([A-Za-z]+) '([^']*)'/y;
const AND = / and /y;

/**
 * The one parser of claims-matching expressions (`cond and cond …`), shared by the constructs'
 * validation at synth and by the Entra emulator: both accept exactly the same grammar.
 */
export function parseClaimsMatchingExpression(expression: string, context: ExpressionContext): ClaimCondition[] {
  const key = context.key ?? 'claimsMatchingExpression';
  const refuse = (why: string): never => {
    throw new InvalidInputError(key, expression, why);
  };
  const allowed = claimsAllowedFor(context.issuer);
  if (!allowed) {
    refuse(
      `an issuer that takes flexible credentials: GitHub's public issuer ${GITHUB_ISSUER} (not an enterprise custom issuer or GHES), GitLab or Terraform Cloud; the issuer is ${context.issuer} — use one credential per subject instead`,
    );
  }
  if (typeof expression !== 'string' || expression === '') refuse(`conditions like claims['sub'] matches 'repo:owner/repo:*' joined by " and "`);
  if (/[‘’“”]/.test(expression)) refuse("straight single quotes (') around claim names and comparands, not typographic ones");

  const conditions: ClaimCondition[] = [];
  let at = 0;
  for (;;) {
    CONDITION.lastIndex = at;
    const match = CONDITION.exec(expression);
    if (!match) refuse(`claims['<claim>'] <operator> '<comparand>' at character ${at + 1}, each part separated by one space, conditions joined by " and "`);
    const [, claim, operator, value] = match as unknown as [string, string, string, string];
    if (!allowed!.includes(claim)) refuse(`conditions on ${allowed!.join(' or ')} only for issuer ${context.issuer}; got claims['${claim}']`);
    if (operator !== 'matches' && operator !== 'eq') refuse(`the operator matches or eq; got "${operator}"`);
    if (value === '') refuse(`a non-empty comparand for claims['${claim}']`);
    conditions.push({ claim, operator: operator as ClaimCondition['operator'], value });
    at = CONDITION.lastIndex;
    if (at === expression.length) return conditions;
    AND.lastIndex = at;
    if (!AND.test(expression)) refuse(`" and " between conditions at character ${at + 1} (the only boolean operator)`);
    at = AND.lastIndex;
  }
}
