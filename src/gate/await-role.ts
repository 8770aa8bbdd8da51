import { errorMessage, GuardError } from '../errors';
import { decodeClaimsForLogging } from '../token/decode-claims';
import { retry } from '../token/retry';
import type { GateFailure } from './verdict';

export interface RoleWaitOptions {
  /** The valid token as first acquired. */
  readonly token: string;
  /** The app roles the caller was granted; the token must carry at least one. */
  readonly expectedRoles: readonly string[];
  /** Mints a new token from the same source; without it a token lacking the role fails at once. */
  readonly refreshToken?: () => Promise<string>;
  /** The gate's deadline (ms since the epoch): the wait never runs past it. */
  readonly deadlineAt: number;
  readonly log?: (line: string) => void;
  /** Called once for every token that came without the role while waiting. */
  readonly onRoleWait?: () => void;
  /** Injectable for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RoleWait {
  /** The token to probe with: the first one that carried the role, else the last one minted. */
  readonly token: string;
  /** Set when no token carried the role by the deadline. */
  readonly failure?: GateFailure;
}

class RoleNotYetError extends GuardError {
  constructor(
    readonly token: string,
    roles: readonly string[],
  ) {
    super('ERR_ROLE_NOT_YET', `the token carries ${roles.length > 0 ? `roles [${roles.join(', ')}]` : 'no roles'}`);
  }
}

/**
 * Right after a role assignment is created, Entra issues app-only tokens without `roles` for a while
 * (directory replication, protocols.md §3). Within the gate's deadline such a token means "not yet":
 * mint again, with the retry helper's back-off, until one carries an expected role. At the deadline the
 * gate goes on with the last token and reports the missing role.
 */
export async function awaitExpectedRole(options: RoleWaitOptions): Promise<RoleWait> {
  const rolesOf = (token: string) => decodeClaimsForLogging(token).roles ?? [];
  const hasRole = (token: string) => rolesOf(token).some((role) => options.expectedRoles.includes(role));
  if (hasRole(options.token)) return { token: options.token };
  const now = options.now ?? Date.now;
  let last = options.token;
  const missing = (why: string): RoleWait => ({
    token: last,
    failure: {
      probe: 'valid-token',
      code: 'ERR_GATE_MISSING_ROLE',
      reason: `the valid token carries ${rolesOf(last).length > 0 ? `roles [${rolesOf(last).join(', ')}]` : 'no roles'}, none of ${options.expectedRoles.join(', ')} (${why})`,
      fix: `assign app role ${options.expectedRoles[0]} of the API to the caller's service principal (azuread_app_role_assignment); a new assignment takes minutes to replicate, so allow more time (timeout) right after the identity stack is created`,
      claim: 'roles',
    },
  });
  const refresh = options.refreshToken;
  if (!refresh) return missing('this token source cannot mint another token');
  const budget = options.deadlineAt - now();
  if (budget <= 0) return missing('no time left before the deadline');
  options.log?.(`gate: the token has none of the roles ${options.expectedRoles.join(', ')} yet; minting new tokens until the role assignment has replicated`);
  options.onRoleWait?.();
  try {
    last = await retry(
      async () => {
        const token = await refresh();
        last = token;
        if (!hasRole(token)) {
          options.onRoleWait?.();
          throw new RoleNotYetError(token, rolesOf(token));
        }
        return token;
      },
      {
        label: 'role assignment',
        isRetryable: (error) => error instanceof RoleNotYetError,
        maxAttempts: 1000,
        baseMs: 500,
        capMs: 5000,
        attemptTimeoutMs: Math.max(1, Math.min(30_000, budget)),
        deadlineMs: budget,
        ...(options.log ? { log: options.log } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
      },
    );
    return { token: last };
  } catch (error) {
    return missing(error instanceof RoleNotYetError ? 'still at the deadline' : `minting another token failed: ${errorMessage(error)}`);
  }
}
