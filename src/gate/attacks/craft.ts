import { genuineHeaderForms } from './header-forms';
import type { IssuerKeyResult } from './issuer-key';
import { ATTACKS } from './registry';
import type { Attack, AttackCredential, AttackerKeys, ParsedToken, SkippedAttack } from './types';

export interface CraftInput {
  readonly token: ParsedToken;
  /** The genuine token itself, for the informational header-form probes; absent without one. */
  readonly genuine?: string;
  readonly issuerKey: IssuerKeyResult;
  readonly attacker: AttackerKeys;
  readonly nowSeconds: number;
  /** Only these attack codes. @default every registered attack */
  readonly only?: readonly string[];
}

export interface CraftedAttacks {
  readonly credentials: readonly AttackCredential[];
  readonly skipped: readonly SkippedAttack[];
}

/**
 * Pure (no I/O): every selected attack's credential from (token, issuer key, attacker keys), in
 * registry order, independent of paths, so one list can be sent to each authorizer's route.
 * Attacks the token source mints (other-audience) are left to the caller.
 */
export async function craftAttacks(input: CraftInput): Promise<CraftedAttacks> {
  const selected = ATTACKS.filter((attack) => input.only === undefined || input.only.includes(attack.code)) as readonly Attack[];
  const credentials: AttackCredential[] = [];
  const skipped: SkippedAttack[] = [];
  const attackInput = {
    token: input.token,
    attacker: input.attacker,
    nowSeconds: input.nowSeconds,
    ...('key' in input.issuerKey ? { issuerKey: input.issuerKey.key } : {}),
  };
  const crafted = await Promise.all(
    selected.map(async (attack): Promise<AttackCredential | SkippedAttack | undefined> => {
      if (!attack.craft) return undefined;
      if (attack.needsIssuerKey && 'skipReason' in input.issuerKey) return { auth: attack.code, reason: input.issuerKey.skipReason };
      const crafted = await attack.craft(attackInput);
      const authorization = attack.craftsHeader ? crafted : `Bearer ${crafted}`;
      return { auth: attack.code, authorization, role: 'negative', ...(attack.alsoRefusedWith ? { alsoRefusedWith: attack.alsoRefusedWith } : {}) };
    }),
  );
  for (const item of crafted) {
    if (item === undefined) continue;
    if ('reason' in item) skipped.push(item);
    else credentials.push(item);
  }
  if (input.genuine !== undefined && selected.some((attack) => attack.family === 'header-form')) {
    for (const form of genuineHeaderForms(input.genuine)) credentials.push({ ...form, role: 'informational' });
  }
  return { credentials, skipped };
}
