import type { AttackCredential, SkippedAttack } from './attacks';
import type { AuthKind, ProbeSpec, SkippedProbe } from './types';

/** One request the gate probes: a derived route's, or a path the caller listed. */
export interface ProbeTarget {
  readonly method: string;
  readonly path: string;
  /** The deployed route this request reaches, when the routes were read. */
  readonly routeKey?: string;
  /** The authorizer of that route (name, else id; `AWS_IAM`), for reports. */
  readonly authorizer?: string;
  /** protected: refused without a token; public: any answer but a 5xx is right. */
  readonly access: 'protected' | 'public';
  /** Refusals besides the expected ones (403 from AWS_IAM and Lambda authorizers). */
  readonly alsoRefusedWith?: readonly number[];
  /**
   * Also gets the valid-token, forgery and other-audience probes: the first protected route of each
   * distinct authorizer. Without any such target, the first target gets them.
   */
  readonly authenticated?: boolean;
  /** Why this authenticated target gets no valid-token probe (its authorizer trusts another issuer on purpose). */
  readonly withoutValidToken?: string;
}

export interface PlanInput {
  /** What to probe; at least one. */
  readonly targets: readonly ProbeTarget[];
  readonly expectUnauthenticated: readonly number[];
  readonly expectAuthenticated: readonly number[];
  /** The valid token, when there is one. */
  readonly token?: string;
  /** Attack credentials (empty when negative probes are off), sent to each authenticated target. */
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
 * Pure: which requests the gate makes. Every target without a token; each authenticated target (one
 * per authorizer) with the valid token and with each refusal probe. A gateway authorizer is per route,
 * so a forged token refused on one route says nothing about a route without the authorizer — the
 * anonymous probes cover those — nor about a route on another authorizer, which gets its own set.
 */
export function planProbes(input: PlanInput): ProbePlan {
  if (input.targets.length === 0) throw new TypeError('planProbes: "targets" must not be empty');
  const probes: ProbeSpec[] = [];
  const skipped: SkippedProbe[] = [];
  const seen = new Set<string>();
  const add = (probe: ProbeSpec): void => {
    if (seen.has(probe.name)) return;
    seen.add(probe.name);
    probes.push(probe);
  };
  const about = (target: ProbeTarget) => ({
    method: target.method.toUpperCase(),
    path: target.path,
    ...(target.routeKey !== undefined ? { routeKey: target.routeKey } : {}),
    ...(target.authorizer !== undefined ? { authorizer: target.authorizer } : {}),
  });
  const name = (auth: string, target: ProbeTarget): string => `${auth} ${target.method.toUpperCase()} ${target.path}`;
  const refusals = (target: ProbeTarget): readonly number[] => [...new Set([...input.expectUnauthenticated, ...(target.alsoRefusedWith ?? [])])];

  for (const target of input.targets) {
    const role = target.access === 'public' ? 'public' : 'anonymous';
    add({ name: name('none', target), role, auth: 'none', ...about(target), expect: role === 'public' ? [] : refusals(target) });
  }
  const marked = input.targets.filter((t) => t.authenticated === true);
  const authenticated = marked.length > 0 ? marked : input.targets.slice(0, 1).filter((t) => t.access !== 'public');
  for (const target of authenticated) {
    if (target.withoutValidToken !== undefined) {
      skipped.push({ name: name('valid-token', target), auth: 'valid-token', reason: target.withoutValidToken });
    } else if (input.token !== undefined) {
      add({
        name: name('valid-token', target),
        role: 'authenticated',
        auth: 'valid-token',
        ...about(target),
        authorization: `Bearer ${input.token}`,
        expect: input.expectAuthenticated,
      });
    } else {
      skipped.push({ name: name('valid-token', target), auth: 'valid-token', reason: 'no token source given, so nothing shows that a valid token is let in' });
    }
    for (const negative of input.negatives) {
      // Informational header forms: the real token, where a refusal is as right as a welcome.
      const expect =
        negative.role === 'informational'
          ? [...input.expectAuthenticated, ...input.expectUnauthenticated]
          : [...refusals(target), ...(negative.alsoRefusedWith ?? [])];
      const auth = negative.auth as AuthKind;
      add({ name: name(auth, target), role: negative.role, auth, ...about(target), authorization: negative.authorization, expect: [...new Set(expect)] });
    }
    for (const skip of input.skippedAttacks ?? []) skipped.push({ name: name(skip.auth, target), auth: skip.auth as AuthKind, reason: skip.reason });
    if (input.otherAudience ?? input.negatives.length > 0) {
      if (input.otherAudienceToken !== undefined) {
        add({
          name: name('other-audience', target),
          role: 'negative',
          auth: 'other-audience',
          ...about(target),
          authorization: `Bearer ${input.otherAudienceToken}`,
          expect: refusals(target),
        });
      } else {
        skipped.push({
          name: name('other-audience', target),
          auth: 'other-audience',
          reason: input.otherAudienceSkipReason ?? 'the token source cannot mint a token for another audience',
        });
      }
    }
  }
  return { probes, skipped };
}
