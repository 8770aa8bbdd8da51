import type { EntraFaults } from './faults';

/** The directory objects that replicate on their own (protocols.md §3, §5). */
export type ReplicatedKind = 'application' | 'federatedCredential' | 'servicePrincipal' | 'appRoleAssignment';

/**
 * When each kind becomes visible, as a share of `replicationDelaySeconds`. Entra documents no SLA, only
 * that new apps, principals, credentials and role assignments take minutes to be seen everywhere
 * **[uncertain]**. The shares follow the order terraform creates the identity stack (application, then
 * its credential and service principal, then the role assignment), and the order the token endpoint
 * checks them, so a waiting client meets each refusal in turn: AADSTS700016, 70021, 7000229, then
 * 501051 (or a token without `roles` when the API does not require an assignment).
 */
const SHARE: Readonly<Record<ReplicatedKind, number>> = {
  application: 0.25,
  federatedCredential: 0.5,
  servicePrincipal: 0.75,
  appRoleAssignment: 1,
};

/** Whether an object added at `addedAt` (clock ms) can be seen at `nowMs` under the current faults. */
export type Visibility = (kind: ReplicatedKind, addedAt: number) => boolean;

export function visibility(faults: EntraFaults, nowMs: number): Visibility {
  const replicationMs = (faults.replicationDelaySeconds ?? 0) * 1000;
  // The older fault covers credentials only (documented for AADSTS70021).
  const propagationMs = (faults.propagationDelaySeconds ?? 0) * 1000;
  if (replicationMs === 0 && propagationMs === 0) return () => true;
  return (kind, addedAt) => {
    const delay = Math.max(replicationMs * SHARE[kind], kind === 'federatedCredential' ? propagationMs : 0);
    return nowMs - addedAt >= delay;
  };
}
