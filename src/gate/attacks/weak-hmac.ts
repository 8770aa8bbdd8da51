import { randomBytes } from 'node:crypto';
import { signHs256, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

const HMAC_FIX = "pin the algorithm to RS256 and look keys up only in the issuer's JWKS; never treat an empty or missing key as usable";

/** HS256 with an empty key under a header the attack shapes (kid kept, replaced or removed). */
function emptyKey(shape: (header: Record<string, unknown>) => Record<string, unknown>) {
  return ({ token }: AttackInput): string => signHs256(shape(withoutKeyHints(token.header)), token.claims, '');
}

/** Symmetric algorithms with keys an attacker knows or controls. */
export const WEAK_HMAC_ATTACKS = [
  {
    code: 'hs256-attacker-secret',
    family: 'weak-hmac',
    title: 'HS256 with a random attacker secret',
    reference: 'jwt_tool playbook; Burp JWT Editor',
    acceptance: 'accepted an HS256 token made with an attacker secret: symmetric algorithms must be refused',
    fix: HMAC_FIX,
    craft: ({ token }) => signHs256(withoutKeyHints(token.header), token.claims, randomBytes(32)),
  },
  {
    code: 'hs256-empty-key',
    family: 'weak-hmac',
    title: 'HS256 with an empty key, genuine kid',
    reference: 'jwt_tool -X n (null key); CVE-2019-20933 (influxdb)',
    acceptance: 'accepted HS256 with an empty key: a missing secret is used as the empty string',
    fix: HMAC_FIX,
    craft: emptyKey((header) => header),
  },
  {
    code: 'kid-path-traversal',
    family: 'weak-hmac',
    title: 'kid "../../../../../../dev/null" with HS256 and an empty key',
    reference: 'jwt_tool -I -hc kid (injection); PortSwigger lab "kid header path traversal"',
    acceptance: 'accepted a kid that names a file (/dev/null, read as an empty key): key ids reach the file system',
    fix: 'look kid up in the JWKS only; never build a path, query or command from it',
    craft: emptyKey((header) => ({ ...header, kid: '../../../../../../dev/null' })),
  },
  {
    code: 'kid-missing',
    family: 'weak-hmac',
    title: 'no kid, HS256 with an empty key',
    reference: 'jwt_tool playbook (kid removed)',
    acceptance: 'accepted a token without kid, signed with an empty key: a missing kid falls back to an empty key',
    fix: 'refuse tokens without a kid that names a JWKS key',
    craft: emptyKey(({ kid: _kid, ...header }) => header),
  },
  {
    code: 'kid-empty',
    family: 'weak-hmac',
    title: 'kid "", HS256 with an empty key',
    reference: 'jwt_tool playbook (kid emptied)',
    acceptance: 'accepted a token with an empty kid, signed with an empty key: an empty kid falls back to an empty key',
    fix: 'refuse tokens without a kid that names a JWKS key',
    craft: emptyKey((header) => ({ ...header, kid: '' })),
  },
] as const satisfies readonly Attack[];
