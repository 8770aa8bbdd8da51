import { ALG_NONE_ATTACKS } from './alg-none';
import { AUDIENCE_ATTACKS } from './audience';
import { CLAIM_ATTACKS } from './claims';
import { EMBEDDED_KEY_ATTACKS } from './embedded-keys';
import { HEADER_FORM_ATTACKS } from './header-forms';
import { KEY_CONFUSION_ATTACKS } from './key-confusion';
import { MALFORMED_ATTACKS } from './malformed';
import { PSYCHIC_SIGNATURE_ATTACKS } from './psychic-signature';
import { SERIALIZATION_ATTACKS } from './serialization';
import { SIGNATURE_ATTACKS } from './signature';
import type { Attack } from './types';
import { WEAK_HMAC_ATTACKS } from './weak-hmac';

/**
 * Every attack the gate tries, in report order. The list is the one place attacks are registered:
 * the planner, the verdict, the README table and the gateway emulator's flaw switches all read it.
 */
export const ATTACKS = [
  ...SIGNATURE_ATTACKS,
  ...ALG_NONE_ATTACKS,
  ...KEY_CONFUSION_ATTACKS,
  ...WEAK_HMAC_ATTACKS,
  ...PSYCHIC_SIGNATURE_ATTACKS,
  ...EMBEDDED_KEY_ATTACKS,
  ...CLAIM_ATTACKS,
  ...SERIALIZATION_ATTACKS,
  ...HEADER_FORM_ATTACKS,
  ...MALFORMED_ATTACKS,
  ...AUDIENCE_ATTACKS,
] as const;

export type AttackCode = (typeof ATTACKS)[number]['code'];

export const ATTACK_CODES: readonly AttackCode[] = ATTACKS.map((attack) => attack.code);

const BY_CODE: ReadonlyMap<string, Attack> = new Map(ATTACKS.map((attack) => [attack.code, attack as Attack]));

/** The registered attack with this code, if any. */
export function attackByCode(code: string): Attack | undefined {
  return BY_CODE.get(code);
}

export function isAttackCode(value: string): value is AttackCode {
  return BY_CODE.has(value);
}

/** The refusal probes the gate made before the attack registry (the 12-probe gate): a baseline to compare with. */
export const CLASSIC_ATTACKS: readonly AttackCode[] = [
  'forged-signature-known-kid',
  'forged-signature-new-kid',
  'tampered-payload',
  'alg-none',
  'hs256-attacker-secret',
  'expired-resigned',
  'bearer-without-token',
  'garbage-token',
  'basic-auth',
  'other-audience',
];
