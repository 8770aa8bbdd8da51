import { randomBytes } from 'node:crypto';
import { base64url } from 'jose';
import { segment, signRs256, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

/** Request line + headers limit of API Gateway HTTP APIs [AWS-Q]; the oversized probe's header exceeds it. */
export const MAX_REQUEST_HEADER_BYTES = 10_240;

/** The claims with `sub` changed: what a parser that reads unverified parts would let through. */
function tamperedClaims({ token, nowSeconds }: AttackInput): Record<string, unknown> {
  return { ...token.claims, sub: `${String(token.claims['sub'] ?? 'subject')}-tampered`, exp: nowSeconds + 3600 };
}

/** The genuine compact parts, or attacker-signed ones when there is no token. */
async function genuineParts(input: AttackInput): Promise<readonly [string, string, string]> {
  if (input.token.parts) return input.token.parts;
  return (await signRs256(withoutKeyHints(input.token.header), input.token.claims, input.attacker.privateKey)).split('.') as [string, string, string];
}

const COMPACT_FIX = 'accept only the three-segment JWS compact serialization, parsed by a JWT library that verifies before it reads';

/** Shapes other than the one JWS compact serialization an API Gateway JWT authorizer accepts. */
export const SERIALIZATION_ATTACKS = [
  {
    code: 'jws-json-serialization',
    family: 'serialization',
    title: 'JWS JSON serialization: genuine header and signature, changed payload',
    reference: 'RFC 7515 §7.2; CVE-2022-39227 (python-jwt JSON/compact confusion)',
    acceptance: 'accepted a JWS JSON serialization whose payload the signature does not cover: the parser reads claims it never verified',
    fix: COMPACT_FIX,
    craft: async (input) => {
      const [header, , signature] = await genuineParts(input);
      return JSON.stringify({ protected: header, payload: segment(tamperedClaims(input)), signature });
    },
  },
  {
    code: 'jwe-shaped',
    family: 'serialization',
    title: 'five segments shaped like a JWE (alg dir), claims in the clear',
    reference: 'RFC 7516 §7.1; jwt_tool playbook',
    acceptance: 'accepted a five-segment, JWE-shaped token that no key signed: an encrypted-looking token stands in for a signed one',
    fix: COMPACT_FIX,
    craft: (input) => {
      const header = { alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: input.token.kid };
      return [segment(header), '', base64url.encode(randomBytes(12)), segment(tamperedClaims(input)), base64url.encode(randomBytes(16))].join('.');
    },
  },
  {
    code: 'extra-segment',
    family: 'serialization',
    title: 'the genuine token with a fourth segment appended',
    reference: 'RFC 7515 §7.1; jwt_tool playbook',
    acceptance: 'accepted a four-segment token: the parser ignores what follows the signature, so parsers in the path can disagree',
    fix: COMPACT_FIX,
    craft: async (input) => `${(await genuineParts(input)).join('.')}.${segment({ guard: 'extra' })}`,
  },
  {
    code: 'oversized-header',
    family: 'serialization',
    title: `a token whose header makes the request exceed ${MAX_REQUEST_HEADER_BYTES.toLocaleString('en')} bytes`,
    reference: 'API Gateway quotas (request line and headers ≤ 10,240 bytes); jwt_tool playbook',
    acceptance: 'accepted an oversized, attacker-signed token: large tokens skip verification (fail open)',
    fix: 'refuse requests over the header limit (API Gateway answers 413 or 431) and never let size decide whether a token is verified',
    alsoRefusedWith: [413, 431],
    craft: ({ token, attacker }) =>
      signRs256({ ...withoutKeyHints(token.header), 'x-guard-padding': 'A'.repeat(MAX_REQUEST_HEADER_BYTES + 512) }, token.claims, attacker.privateKey),
  },
] as const satisfies readonly Attack[];
