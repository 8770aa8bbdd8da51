/** What an issuer URL says about who signs its tokens. Pure. */

/** GitHub Actions' OIDC issuer (GHEC enterprises with a custom issuer add `/{enterprise-slug}`). */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

export function isGithubActionsIssuer(issuer: string): boolean {
  return issuer === GITHUB_ACTIONS_ISSUER || issuer.startsWith(`${GITHUB_ACTIONS_ISSUER}/`);
}

/**
 * An Entra issuer's tenant and token version: v2 is `{authority}/{tenant}/v2.0`, v1 is
 * `https://sts.windows.net/{tenant}/` (or another cloud's, or the emulator's `{host}/sts/{tenant}/`).
 */
export function entraIssuer(issuer: string): { readonly tenant: string; readonly version: 1 | 2 } | undefined {
  const v2 = /^https?:\/\/[^/]+\/([0-9a-f-]{36})\/v2\.0$/i.exec(issuer);
  if (v2) return { tenant: v2[1]!.toLowerCase(), version: 2 };
  const v1 = /^https?:\/\/[^/]+(?:\/sts)?\/([0-9a-f-]{36})\/$/i.exec(issuer);
  return v1 ? { tenant: v1[1]!.toLowerCase(), version: 1 } : undefined;
}

/** Whether two issuers are the same tenant's v1 and v2 issuers (the classic mix-up). */
export function isTokenVersionMixUp(reference: string, issuer: string): boolean {
  const a = entraIssuer(reference);
  const b = entraIssuer(issuer);
  return a !== undefined && b !== undefined && a.tenant === b.tenant && a.version !== b.version;
}
