import type { AttackCredential, SkippedAttack } from './attacks';
import type { AuthKind, ProbeSpec, SkippedProbe } from './types';

export interface PlanInput {
  /** Paths to probe, e.g. `/orders`; at least one. */
  readonly paths: readonly string[];
  readonly method: string;
  readonly expectUnauthenticated: readonly number[];
  readonly expectAuthenticated: readonly number[];
  /** The valid token, when there is one. */
  readonly token?: string;
  /** Attack credentials (empty when negative probes are off), sent to the first path. */
  readonly negatives: readonly AttackCredential[];
  /** Attacks that could not be crafted (reported as skipped). */
  readonly skippedAttacks?: readonly SkippedAttack[];
  /** Whether the other-audience probe is planned. @default negatives are on */
  readonly otherAudience?: boolean;
  /** A genuine token for another audience, when the token source could mint one. */
  readonly otherAudienceToken?: string;
  /** Why there is no other-audience token (reported as skipped), when negatives are on. */
  readonly otherAudienceSkipReason?: string;
}

export interface ProbePlan {
  readonly probes: readonly ProbeSpec[];
  readonly skipped: readonly SkippedProbe[];
}

/**
 * Pure: which requests the gate makes. Every path without a token; the first path with the valid
 * token and with each refusal probe (a gateway authorizer is per route, so a forged token refused
 * on one path says nothing about a path without the authorizer — the anonymous probes cover those).
 */
export function planProbes(input: PlanInput): ProbePlan {
  if (input.paths.length === 0) throw new TypeError('planProbes: "paths" must not be empty');
  const method = input.method.toUpperCase();
  const first = input.paths[0]!;
  const probes: ProbeSpec[] = [];
  const skipped: SkippedProbe[] = [];
  const name = (auth: string, path: string): string => `${auth} ${method} ${path}`;

  for (const path of input.paths) {
    probes.push({ name: name('none', path), role: 'anonymous', auth: 'none', method, path, expect: input.expectUnauthenticated });
  }
  if (input.token !== undefined) {
    probes.push({
      name: name('valid-token', first),
      role: 'authenticated',
      auth: 'valid-token',
      method,
      path: first,
      authorization: `Bearer ${input.token}`,
      expect: input.expectAuthenticated,
    });
  } else {
    skipped.push({ name: name('valid-token', first), auth: 'valid-token', reason: 'no token source given, so nothing shows that a valid token is let in' });
  }
  for (const negative of input.negatives) {
    // Informational header forms: the real token, where a refusal is as right as a welcome.
    const expect = negative.role === 'informational' ? [...input.expectAuthenticated, ...input.expectUnauthenticated] : [...input.expectUnauthenticated, ...(negative.alsoRefusedWith ?? [])];
    const auth = negative.auth as AuthKind;
    probes.push({ name: name(auth, first), role: negative.role, auth, method, path: first, authorization: negative.authorization, expect: [...new Set(expect)] });
  }
  for (const skip of input.skippedAttacks ?? []) skipped.push({ name: name(skip.auth, first), auth: skip.auth as AuthKind, reason: skip.reason });
  if (input.otherAudience ?? input.negatives.length > 0) {
    if (input.otherAudienceToken !== undefined) {
      probes.push({
        name: name('other-audience', first),
        role: 'negative',
        auth: 'other-audience',
        method,
        path: first,
        authorization: `Bearer ${input.otherAudienceToken}`,
        expect: input.expectUnauthenticated,
      });
    } else {
      skipped.push({ name: name('other-audience', first), auth: 'other-audience', reason: input.otherAudienceSkipReason ?? 'the token source cannot mint a token for another audience' });
    }
  }
  return { probes, skipped };
}
