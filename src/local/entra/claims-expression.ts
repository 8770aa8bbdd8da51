import type { ClaimCondition } from '../../contract';

export type { ClaimCondition } from '../../contract';

/**
 * True when every condition holds for the assertion's claims (case-sensitive, like subjects). The
 * expression itself is parsed by the contract's parseClaimsMatchingExpression, the same parser the
 * constructs validate with.
 */
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
