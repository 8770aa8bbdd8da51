import { InvalidInputError } from '../../errors';

/** One comparison of a flexible federated credential: `claims['sub'] matches 'repo:o/r:*'`. */
export interface ClaimCondition {
  readonly claim: string;
  readonly operator: 'matches' | 'eq';
  readonly value: string;
}

/** Claims Entra lets a flexible credential test (workload identity federation docs, preview). */
const MATCHABLE_CLAIMS = ['sub', 'job_workflow_ref'];

const CONDITION = /^claims\['([A-Za-z_]+)'\]\s+(matches|eq)\s+'((?:[^'\\]|\\.)*)'$/;

/** Parses a claims-matching expression (`cond and cond …`); a malformed one is the user's input error. */
export function parseClaimsExpression(expression: string): ClaimCondition[] {
  const parts = splitOnAnd(expression.trim());
  const conditions = parts.map((part) => {
    const match = CONDITION.exec(part.trim());
    if (!match) {
      throw new InvalidInputError('claimsMatchingExpression', expression, `conditions like claims['sub'] matches 'repo:owner/repo:*' joined by "and" (operators: matches, eq)`);
    }
    const claim = match[1]!;
    if (!MATCHABLE_CLAIMS.includes(claim)) {
      throw new InvalidInputError('claimsMatchingExpression', expression, `conditions on ${MATCHABLE_CLAIMS.join(' or ')} only`);
    }
    return { claim, operator: match[2] as ClaimCondition['operator'], value: match[3]!.replace(/\\(.)/g, '$1') };
  });
  return conditions;
}

/** True when every condition holds for the assertion's claims (case-sensitive, like subjects). */
export function claimsMatch(conditions: readonly ClaimCondition[], claims: Readonly<Record<string, unknown>>): boolean {
  return conditions.every((condition) => {
    const actual = claims[condition.claim];
    if (typeof actual !== 'string') return false;
    return condition.operator === 'eq' ? actual === condition.value : wildcardToRegExp(condition.value).test(actual);
  });
}

/** `*` matches any run of characters, `?` exactly one; everything else is literal. */
export function wildcardToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** Splits on ` and ` outside quoted literals. */
function splitOnAnd(expression: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < expression.length; i += 1) {
    const char = expression[i]!;
    if (char === '\\' && quoted) {
      current += char + (expression[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (char === "'") quoted = !quoted;
    if (!quoted && /\s/.test(char) && /^\s+and\s+/.test(expression.slice(i))) {
      parts.push(current);
      current = '';
      i += /^\s+and\s+/.exec(expression.slice(i))![0].length - 1;
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}
