import type { KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { KeyFetchError, type JwksFetcher } from '../../token/jwks-fetcher';
import { claimsMatch } from './claims-expression';
import { AadstsError, aadsts } from './aadsts';
import type { DirectoryApplication, StoredCredential } from './directory';
import type { Visibility } from './replication';

export interface AssertionCheck {
  readonly assertion: string;
  readonly app: DirectoryApplication;
  readonly nowMs: number;
  readonly keys: JwksFetcher;
  /** Hides credentials that have not replicated yet (the propagation and replication faults). */
  readonly visible: Visibility;
  /** Leeway on exp/nbf [uncertain: Entra does not document one]. */
  readonly clockSkewSeconds: number;
}

/** What the exchange learned from a valid assertion (claims logged by callers: iss, sub, aud only). */
export interface AcceptedAssertion {
  readonly credential: StoredCredential;
  readonly claims: JWTPayload;
}

/**
 * Validates a federated client assertion as Entra does (protocols.md §3): the app must have a
 * credential at all (70025) and one for the issuer (700211); the issuer's JWKS must hold the `kid`
 * (7000272) and verify the RS256 signature (50027); the time range must hold (700024); the subject
 * must match exactly (700213, 7002138 when only case differs); the audience must be the one the
 * credential lists (700212). A matching credential that has not replicated yet gives 70021.
 */
export async function checkAssertion(check: AssertionCheck): Promise<AcceptedAssertion> {
  const { header, claims } = decode(check.assertion);
  if (header.alg !== 'RS256')
    throw new AadstsError(aadsts.invalidJwt(`The assertion is signed with '${String(header.alg)}'; only RS256 issuers are supported.`));
  const issuer = claims.iss;
  if (typeof issuer !== 'string' || issuer === '') throw new AadstsError(aadsts.invalidJwt('The assertion has no iss claim.'));
  if (check.app.federatedCredentials.length === 0) throw new AadstsError(aadsts.noFederatedCredentials(check.app.clientId, check.app.displayName));
  const byIssuer = check.app.federatedCredentials.filter((credential) => credential.issuer === issuer);
  if (byIssuer.length === 0) throw new AadstsError(aadsts.noIssuerMatch(issuer));

  const key = await issuerKey(check.keys, issuer, header.kid);
  try {
    await compactVerify(check.assertion, key, { algorithms: ['RS256'] });
  } catch {
    throw new AadstsError(aadsts.invalidJwt('The assertion signature does not verify with the issuer keys.'));
  }
  checkTimeRange(claims, check.nowMs, check.clockSkewSeconds);

  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  const bySubject = byIssuer.filter((credential) => (credential.conditions ? claimsMatch(credential.conditions, claims) : credential.subject === subject));
  if (bySubject.length === 0) {
    const caseOnly = byIssuer.some((credential) => credential.subject !== undefined && credential.subject.toLowerCase() === subject.toLowerCase());
    throw new AadstsError(caseOnly ? aadsts.subjectCaseMismatch(subject) : aadsts.noSubjectMatch(subject));
  }
  const audiences = audienceList(claims.aud);
  const matching = bySubject.filter((credential) => audiences.some((aud) => credential.audiences.includes(aud)));
  if (matching.length === 0) throw new AadstsError(aadsts.noAudienceMatch(audiences.join(', ')));
  const credential = matching.find((candidate) => check.visible('federatedCredential', candidate.addedAt));
  if (!credential) throw new AadstsError(aadsts.noFederatedMatch(issuer, subject, audiences.join(', ')));
  return { credential, claims };
}

/** The issuer's key for the assertion's `kid`, found as Entra does: discovery → jwks_uri → JWKS (7000272 when absent). */
async function issuerKey(keys: JwksFetcher, issuer: string, kid: unknown): Promise<KeyObject> {
  if (typeof kid !== 'string') throw new AadstsError(aadsts.invalidJwt('The assertion header has no kid.'));
  let found;
  try {
    found = await keys.keyFor(issuer, kid);
  } catch (error) {
    if (error instanceof KeyFetchError)
      throw new AadstsError(aadsts.invalidJwt(`The metadata of issuer '${issuer}' at ${error.url} cannot be used: ${error.description}.`));
    throw error;
  }
  if (!found) throw new AadstsError(aadsts.signingKeyNotFound(kid, issuer));
  return found.key;
}

function decode(assertion: string): { header: ReturnType<typeof decodeProtectedHeader>; claims: JWTPayload } {
  try {
    if (assertion.split('.').length !== 3) throw new Error('not a compact JWS');
    return { header: decodeProtectedHeader(assertion), claims: decodeJwt(assertion) };
  } catch {
    throw new AadstsError(aadsts.invalidJwt('The client_assertion is not a signed JWT (header.payload.signature).'));
  }
}

function checkTimeRange(claims: JWTPayload, nowMs: number, skewSeconds: number): void {
  const now = nowMs / 1000;
  const tooLate = typeof claims.exp !== 'number' || now > claims.exp + skewSeconds;
  const tooEarly = typeof claims.nbf === 'number' && now + skewSeconds < claims.nbf;
  if (tooLate || tooEarly) throw new AadstsError(aadsts.assertionTimeRange(nowMs, claims.nbf, claims.exp));
}

function audienceList(aud: JWTPayload['aud']): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
}
