/** Failure switches of the Entra emulator, settable at start and at run time. */
export interface EntraFaults {
  /**
   * Federated credentials added or loaded less than this many seconds ago are not visible yet, so an
   * exchange that needs one answers AADSTS70021 (Entra's replication delay). @default 0
   */
  readonly propagationDelaySeconds?: number;
  /**
   * Directory replication after a fresh identity deploy: every application, service principal,
   * federated credential and app role assignment stays invisible for its share of this many seconds
   * after it was added (see replication.ts), so the token endpoint answers AADSTS700016, 70021,
   * 7000229, 500011, 501051 or issues a token without `roles` until it has replicated. @default 0
   */
  readonly replicationDelaySeconds?: number;
  /** The next `count` token requests answer `status` (503 default, or 500) with an Entra-like body. */
  readonly failNextTokenRequests?: { readonly count: number; readonly status?: 500 | 503 };
  /** Milliseconds added before every response. @default 0 */
  readonly latencyMs?: number;
}

export function checkFaults(faults: EntraFaults): EntraFaults {
  checkNonNegative('propagationDelaySeconds', faults.propagationDelaySeconds);
  checkNonNegative('replicationDelaySeconds', faults.replicationDelaySeconds);
  checkNonNegative('latencyMs', faults.latencyMs);
  const burst = faults.failNextTokenRequests;
  if (burst !== undefined) {
    checkNonNegative('failNextTokenRequests.count', burst.count);
    if (burst.status !== undefined && burst.status !== 500 && burst.status !== 503) {
      throw new TypeError(`"failNextTokenRequests.status" must be 500 or 503, got ${String(burst.status)}`);
    }
  }
  return faults;
}

function checkNonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw new TypeError(`"${name}" fault must be a non-negative number, got ${String(value)}`);
  }
}
