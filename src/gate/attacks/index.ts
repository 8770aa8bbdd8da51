import { attackerKeys } from './attacker-keys';
import { craftAttacks, type CraftedAttacks } from './craft';
import { fetchIssuerKey, type IssuerKeyResult } from './issuer-key';
import { ATTACKS } from './registry';
import { parseToken } from './token-parts';

export * from './types';
export * from './registry';
export { craftAttacks, type CraftInput, type CraftedAttacks } from './craft';
export { attackerKeys, warmUpAttackerKeys, selfSignedCertificate } from './attacker-keys';
export { fetchIssuerKey, type IssuerKeyResult } from './issuer-key';
export type { ConfusionForm } from './key-confusion';
export { PSYCHIC_SIGNATURES } from './psychic-signature';
export { ALG_NONE_SPELLINGS } from './alg-none';
export { weakerAudienceEvidence } from './audience';
export { HEADER_FORMS, genuineHeaderForms, type HeaderForm } from './header-forms';
export { MAX_REQUEST_HEADER_BYTES } from './serialization';
export { parseToken } from './token-parts';

export interface PrepareAttacksOptions {
  /** The genuine token, when there is one; without it, made-up claims stand in. */
  readonly token?: string;
  /** Only these attack codes. @default all */
  readonly only?: readonly string[];
  /** For the issuer's discovery document and JWKS. */
  readonly fetch?: typeof fetch;
  readonly nowMs?: number;
}

/**
 * The edge around {@link craftAttacks}: fetches the issuer's key for the token's kid (only when a
 * selected attack needs it) and the attacker keys, then crafts every credential.
 */
export async function prepareAttacks(options: PrepareAttacksOptions): Promise<CraftedAttacks> {
  const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const token = parseToken(options.token, nowSeconds);
  const needsKey = ATTACKS.some((attack) => 'needsIssuerKey' in attack && (options.only === undefined || options.only.includes(attack.code)));
  const [issuerKey, attacker] = await Promise.all([
    needsKey
      ? fetchIssuerKey(options.token !== undefined ? token : undefined, options.fetch ? { fetch: options.fetch } : {})
      : Promise.resolve<IssuerKeyResult>({ skipReason: 'not selected' }),
    attackerKeys(),
  ]);
  return craftAttacks({
    token,
    issuerKey,
    attacker,
    nowSeconds,
    ...(options.token !== undefined ? { genuine: options.token } : {}),
    ...(options.only ? { only: options.only } : {}),
  });
}
export { attackTableMarkdown } from './table';
