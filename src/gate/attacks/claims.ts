import { signRs256, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

/** A claim an API must check, changed and re-signed with the attacker key. */
function resigned(change: (claims: Readonly<Record<string, unknown>>, now: number) => Record<string, unknown>) {
  return ({ token, attacker, nowSeconds }: AttackInput): Promise<string> =>
    signRs256(withoutKeyHints(token.header), change(token.claims, nowSeconds), attacker.privateKey);
}

const ATTACKER_AUDIENCE = 'api://entra-api-guard-attacker';
const shared = {
  family: 'claims',
  reference: 'jwt_tool -T (tamper claims) and playbook; RFC 8725 §3.8–3.9',
} as const;
const NOTE = 're-signed with an attacker key, so only an API that checks neither the signature nor';

/**
 * Claims an authorizer must check, each changed and re-signed with the attacker key. Any signature
 * check refuses them first; they show whether the claim checks hold where signatures are not checked.
 */
export const CLAIM_ATTACKS = [
  {
    ...shared,
    code: 'claim-iss-changed',
    title: 'iss of another issuer',
    acceptance: `accepted a token from another issuer (${NOTE} iss accepts it)`,
    fix: 'verify the signature and compare iss exactly with the one issuer you trust',
    craft: resigned((claims) => ({ ...claims, iss: 'https://issuer.entra-api-guard.invalid/' })),
  },
  {
    ...shared,
    code: 'claim-aud-changed',
    title: 'aud of another API',
    acceptance: `accepted a token for another audience (${NOTE} aud accepts it)`,
    fix: 'verify the signature and require aud to be exactly your API (v2: its client id; v1: its App ID URI)',
    craft: resigned((claims) => ({ ...claims, aud: ATTACKER_AUDIENCE })),
  },
  {
    ...shared,
    code: 'expired-resigned',
    title: 'exp in the past',
    acceptance: 'accepted an expired, attacker-signed token: neither exp nor signatures are checked',
    fix: 'verify the signature and refuse tokens whose exp has passed',
    craft: resigned((claims, now) => ({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
  },
  {
    ...shared,
    code: 'claim-nbf-future',
    title: 'nbf in the future',
    acceptance: `accepted a token that is not valid yet (${NOTE} nbf accepts it)`,
    fix: 'verify the signature and refuse tokens whose nbf is still ahead',
    craft: resigned((claims, now) => ({ ...claims, iat: now, nbf: now + 3600, exp: now + 7200 })),
  },
  {
    ...shared,
    code: 'claim-aud-array',
    title: 'aud as an array holding another API, where a string is expected',
    acceptance: `accepted aud as an array of a foreign audience (${NOTE} checks aud only when it is a string accepts it)`,
    fix: 'verify the signature and check aud whether it is a string or an array: one of its values must be your API',
    craft: resigned((claims) => ({ ...claims, aud: [ATTACKER_AUDIENCE] })),
  },
] as const satisfies readonly Attack[];
