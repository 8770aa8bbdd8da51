import { subjectFormatOf } from '../contract/github';

/** What the exchange knew when Entra refused it; everything optional, nothing secret. */
export interface ExchangeContext {
  /** The caller app's client id sent as `client_id`. */
  readonly clientId: string;
  readonly scope: string;
  readonly tokenEndpoint: string;
  /** Claims of the GitHub assertion that was presented (decoded for logging only). */
  readonly presented?: { readonly iss?: string; readonly sub?: string; readonly aud?: string; readonly exp?: number };
  /** What the federated credential is configured with, when the caller knows (e.g. from the synth config). */
  readonly expected?: { readonly issuer?: string; readonly subject?: string; readonly audience?: string };
}

type Explain = (context: ExchangeContext) => string;

const show = (value: string | undefined): string => (value === undefined ? '(unknown)' : value);

function tenantOf(context: ExchangeContext): string {
  try {
    const url = new URL(context.tokenEndpoint);
    return `${url.pathname.split('/')[1] ?? '(unknown)'} at ${url.origin}`;
  } catch {
    return context.tokenEndpoint;
  }
}

function presentedTriple(context: ExchangeContext): string {
  const p = context.presented ?? {};
  return `presented issuer ${show(p.iss)}, subject ${show(p.sub)}, audience ${show(p.aud)}`;
}

function expectedOr(context: ExchangeContext, key: 'issuer' | 'subject' | 'audience'): string {
  const fromConfig = context.expected?.[key];
  if (fromConfig !== undefined) return fromConfig;
  const presented = context.presented?.[key === 'issuer' ? 'iss' : key === 'subject' ? 'sub' : 'aud'];
  return presented === undefined ? '(unknown)' : `${presented} (what this run presented)`;
}

function mismatchNote(context: ExchangeContext): string {
  const p = context.presented;
  const e = context.expected;
  if (!p || !e) return '';
  const differing = [
    e.issuer !== undefined && p.iss !== undefined && e.issuer !== p.iss ? 'issuer' : undefined,
    e.subject !== undefined && p.sub !== undefined && e.subject !== p.sub ? 'subject' : undefined,
    e.audience !== undefined && p.aud !== undefined && e.audience !== p.aud ? 'audience' : undefined,
  ].filter((x): x is string => x !== undefined);
  return differing.length > 0 ? `; differs: ${differing.join(', ')}` : '';
}

/**
 * Repositories created, renamed or transferred since 2026-07-15 present `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`
 * (protocols.md §4): when the presented and configured subject forms differ, that is the fix.
 */
function subjectFormHint(context: ExchangeContext): string {
  const presented = subjectFormatOf(context.presented?.sub);
  const configured = subjectFormatOf(context.expected?.subject);
  if (presented === 'immutable' && configured !== 'immutable') {
    return '; the token carries the immutable subject form repo:OWNER@OWNER_ID/REPO@REPO_ID:… (the default for repositories created, renamed or transferred since 2026-07-15): set caller.ownerId and caller.repositoryId in the config (the action fills them from GITHUB_REPOSITORY_OWNER_ID and GITHUB_REPOSITORY_ID), or trust the subject exactly as presented';
  }
  if (presented === 'names' && configured === 'immutable') {
    return '; the token carries a name-only subject (a repository older than 2026-07-15 that has not opted in to immutable subjects): set caller.subjectFormat to names';
  }
  return '';
}

const REPLICATION_NOTE =
  'right after the identity stack is created this clears by itself within minutes (directory replication; the exchange waits for it after a fresh deploy)';

/** Fix-it text per AADSTS code (protocols.md §3, plus 501051 and 7000215). Each is one line. */
const EXPLAIN: Record<string, Explain> = {
  '70021': (c) =>
    `the federated credential on app ${c.clientId} must have issuer ${expectedOr(c, 'issuer')}, subject ${expectedOr(c, 'subject')}, audience ${expectedOr(c, 'audience')} — ${presentedTriple(c)}${mismatchNote(c)} (a new or changed credential can take minutes to propagate)`,
  '700211': (c) =>
    `no federated credential on app ${c.clientId} has the presented issuer ${show(c.presented?.iss)}; set the credential's issuer to exactly that value (no trailing slash)${c.expected?.issuer !== undefined ? ` — configured ${c.expected.issuer}` : ''}`,
  '700212': (c) =>
    `no federated credential on app ${c.clientId} lists the presented audience ${show(c.presented?.aud)}${c.expected?.audience !== undefined ? ` (configured: ${c.expected.audience})` : ''}; each credential has exactly one audience and it must equal the GitHub token's aud — api://AzureADTokenExchange in the public cloud, api://AzureADTokenExchangeUSGov or api://AzureADTokenExchangeChina in sovereign clouds: fix the credential's audience, or the audience the GitHub token is requested for`,
  '700213': (c) =>
    `no federated credential on app ${c.clientId} has the presented subject ${show(c.presented?.sub)}${c.expected?.subject !== undefined ? ` — configured ${c.expected.subject}` : ''}; subjects depend on the trigger (environment > pull_request > branch/tag)${subjectFormHint(c)}`,
  '7000272': (c) =>
    `the key (kid) that signed the GitHub token is not in the JWKS of its issuer ${show(c.presented?.iss)}; the issuer's discovery document must publish the signing key (a custom or self-hosted issuer that rotated keys, or a token signed by another issuer)`,
  '70025': (c) =>
    `app ${c.clientId} has no federated identity credential at all; deploy the identity stack (its GithubPipelineCaller adds one per subject) or point the client id at the caller app, not the API app`,
  '1002012': (c) =>
    `scope ${c.scope} is not valid for client credentials: it must be <App ID URI>/.default (e.g. api://orders-api/.default), not a named scope or role`,
  '700022': (c) => `scope ${c.scope} names more than one resource; ask for exactly one <App ID URI>/.default per token request`,
  '7002138': (c) =>
    `the federated credential on app ${c.clientId} matches the presented subject ${show(c.presented?.sub)} only when case is ignored; subjects match case-sensitively, so spell owner/repo/branch exactly as GitHub does`,
  '700016': (c) =>
    `app ${c.clientId} was not found in tenant ${tenantOf(c)}; check the caller's client id (the application/client id, not the object id), the tenant id and the cloud; ${REPLICATION_NOTE}`,
  '700024': (c) =>
    `the GitHub OIDC token is outside its valid time range${c.presented?.exp !== undefined ? ` (exp ${new Date(c.presented.exp * 1000).toISOString()})` : ''}; GitHub tokens live about 5 minutes, so request one right before the exchange and check the runner's clock`,
  '50027': (c) =>
    `Entra could not accept the assertion as a JWT (issuer, audience, time, format or signature); ${presentedTriple(c)}; the audience must be ${expectedOr(c, 'audience')}`,
  '90002': (c) => `tenant ${tenantOf(c)} was not found; check the tenant id and that the cloud (and authority host) name the cloud the tenant lives in`,
  '70011': (c) => `scope ${c.scope} is not valid; app-only requests need <App ID URI>/.default, e.g. api://orders-api/.default`,
  '500011': (c) =>
    `no service principal for the resource of scope ${c.scope} exists in tenant ${tenantOf(c)}; create the API app's service principal there and check the App ID URI; ${REPLICATION_NOTE}`,
  '7000218': (c) =>
    `the request to ${c.tokenEndpoint} carried neither client_assertion nor client_secret; give the job \`permissions: id-token: write\` or pass a client secret`,
  '501051': (c) =>
    `app ${c.clientId} has no app role on the API, and the API's service principal requires an assignment; assign one of the API's app roles to the caller's service principal (azuread_app_role_assignment); ${REPLICATION_NOTE}`,
  '7000229': (c) =>
    `app ${c.clientId} has no service principal in tenant ${tenantOf(c)}; create one (azuread_service_principal for the caller app); ${REPLICATION_NOTE}`,
  '7000215': (c) => `the client secret presented for app ${c.clientId} is not valid; use the secret's value (not its id) and check it has not expired`,
};

/** The AADSTS codes this module has a fix-it message for. */
export const EXPLAINED_AADSTS_CODES: readonly string[] = Object.keys(EXPLAIN);

/** A one-line fix-it for an AADSTS code, or undefined when the code is not one we know. */
export function explainAadsts(code: string, context: ExchangeContext): string | undefined {
  return EXPLAIN[code]?.(context);
}
