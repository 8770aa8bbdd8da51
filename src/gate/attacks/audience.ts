import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Attack } from './types';

/**
 * A genuine token for another API in the same tenant (the stacks' decoy app): same issuer, same
 * keys, only `aud` differs. The token source mints it, so it has no `craft`. A Microsoft Graph token
 * is the fallback and weaker evidence: Graph tokens carry a `nonce` header, so any standard verifier
 * already fails them on the signature.
 */
export const AUDIENCE_ATTACKS = [
  {
    code: 'other-audience',
    family: 'audience',
    title: 'a genuine token for another API of the same tenant (decoy app; Microsoft Graph as a weaker fallback)',
    reference: 'RFC 8725 §3.9; Entra ID access tokens (aud)',
    acceptance: 'accepted a genuine Entra token issued for another API: aud is not checked',
    fix: 'set the authorizer audience to exactly the API app (v2: its client id; v1: its App ID URI)',
  },
] as const satisfies readonly Attack[];

/**
 * Why the wrong-audience probe is weaker evidence, when it is: its token is not from the genuine
 * token's issuer, or carries a `nonce` header (Microsoft Graph), so a verifier refuses it on the
 * signature before it ever looks at `aud`. Undefined when only `aud` differs. Decode-only, pure.
 */
export function weakerAudienceEvidence(genuine: string, other: string): string | undefined {
  let header: Record<string, unknown>;
  let otherIss: unknown;
  let genuineIss: unknown;
  try {
    header = decodeProtectedHeader(other) as Record<string, unknown>;
    otherIss = decodeJwt(other).iss;
    genuineIss = decodeJwt(genuine).iss;
  } catch {
    return 'its token is not a readable JWT, so a refusal says nothing about the aud check';
  }
  const hint = 'deploy a decoy API in the same tenant (decoyAudience, on in our stacks) and pass its scope (the decoy_scope output) as other-audience-scope';
  if (header['nonce'] !== undefined)
    return `its token carries a nonce header (Microsoft Graph), which fails signature checks before aud is read: weaker evidence; ${hint}`;
  if (otherIss !== genuineIss) return `its token comes from another issuer (${String(otherIss)}), so iss fails before aud is read: weaker evidence; ${hint}`;
  return undefined;
}
