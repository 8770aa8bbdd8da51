import { signRs256, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

/** The Authorization header forms besides `Bearer <token>`. AWS takes the raw token too; other gateways may refuse all three. */
export const HEADER_FORMS = [
  { form: 'lowercase-bearer', words: 'lowercase "bearer"', apply: (token: string) => `bearer ${token}` },
  { form: 'double-space', words: 'a double space after "Bearer"', apply: (token: string) => `Bearer  ${token}` },
  { form: 'raw-token', words: 'the raw token without "Bearer"', apply: (token: string) => token },
] as const;

export type HeaderForm = (typeof HEADER_FORMS)[number]['form'];

function forgedIn(apply: (token: string) => string) {
  return async ({ token, attacker }: AttackInput): Promise<string> => apply(await signRs256(withoutKeyHints(token.header), token.claims, attacker.privateKey));
}

/** A forged token in each header form: whatever a form is routed to must still verify it. */
export const HEADER_FORM_ATTACKS = HEADER_FORMS.map(({ form, words, apply }) => ({
  code: `header-${form}` as `header-${HeaderForm}`,
  family: 'header-form' as const,
  title: `a forged token (attacker key, genuine kid) with ${words}`,
  reference: 'RFC 6750 §2.1; API Gateway JWT authorizer identity source',
  acceptance: `accepted a forged token sent with ${words}: that header form reaches code that does not verify signatures`,
  fix: 'send every header form through the same verifier (or refuse the forms you do not support)',
  craftsHeader: true as const,
  craft: forgedIn(apply),
})) satisfies readonly Attack[];

/** The informational probes: the genuine token in each form. Either answer is correct; the report says which came back. */
export function genuineHeaderForms(token: string): { auth: `valid-token-${HeaderForm}`; authorization: string }[] {
  return HEADER_FORMS.map(({ form, apply }) => ({ auth: `valid-token-${form}` as const, authorization: apply(token) }));
}
