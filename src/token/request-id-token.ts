import { errorMessage } from '../errors';
import type { Cloud } from '../contract';
import { describeBadToken } from '../contract/input-values';
import { IdTokenUnavailableError } from './errors';

/** The shape of `@actions/core`'s `getIDToken`, injected so library code never reads the environment. */
export type GetIdToken = (audience?: string) => Promise<string>;

export interface RequestGithubIdTokenOptions {
  /** `@actions/core` `getIDToken` (or a stand-in). */
  readonly getIDToken: GetIdToken;
  /** The `aud` to ask for. @default cloud.federationAudience, else `api://AzureADTokenExchange` */
  readonly audience?: string;
  /** Used for the default audience (sovereign clouds have their own). */
  readonly cloud?: Cloud;
  /** Called with the token the moment it arrives (pass `core.setSecret`). */
  readonly mask?: (token: string) => void;
  /** Stops waiting at once (Ctrl-C): rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

const PUBLIC_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
const PERMISSION_HINT = 'add `permissions: id-token: write` to the job (or workflow) so GitHub issues OIDC tokens';

/** Asks GitHub Actions for an OIDC token meant for Entra's federated credentials. */
export async function requestGithubIdToken(options: RequestGithubIdTokenOptions): Promise<string> {
  if (typeof options.getIDToken !== 'function') throw new TypeError('requestGithubIdToken: "getIDToken" must be a function');
  const audience = options.audience ?? options.cloud?.federationAudience ?? PUBLIC_FEDERATION_AUDIENCE;
  let token: string;
  try {
    token = await untilAborted(options.getIDToken(audience), options.signal);
  } catch (error) {
    options.signal?.throwIfAborted();
    const original = errorMessage(error);
    // The toolkit's own text only names the env variable; the fix is a workflow permission.
    const hint = /ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)/.test(original) ? `; ${PERMISSION_HINT}` : '';
    throw new IdTokenUnavailableError(`could not get a GitHub OIDC token for audience ${audience}: ${original}${hint}`, { cause: error });
  }
  if (typeof token !== 'string' || token === '') {
    throw new IdTokenUnavailableError(`could not get a GitHub OIDC token for audience ${audience}: GitHub answered with an empty token`);
  }
  options.mask?.(token);
  const bad = describeBadToken(token);
  if (bad !== undefined)
    throw new IdTokenUnavailableError(`could not get a GitHub OIDC token for audience ${audience}: GitHub answered with a token that cannot be sent (${bad})`);
  return token;
}

/** The toolkit's getIDToken takes no signal: stop waiting for it instead. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
