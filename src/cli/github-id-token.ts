import type { GetIdToken } from '../token/request-id-token';
import { AttemptTimeoutError } from '../token/errors';
import { retry } from '../token/retry';
import type { CliEnv } from './io';

/** The ID-token endpoint answered with an HTTP error (only the status is kept: the body is not ours to print). */
class IdTokenRequestError extends Error {
  constructor(readonly status: number) {
    super(`GitHub's ID token endpoint answered HTTP ${status}`);
  }
}

/**
 * Asks the runner for an OIDC token the way `@actions/core` getIDToken does
 * (`ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with the request token, retrying 502/503/504), but prints
 * nothing: the toolkit's version writes `::debug::` and `::add-mask::<token>` to stdout, the stream
 * that `verify --json` keeps for its one JSON document. Reads the CLI's env, not process.env.
 */
export function githubIdTokenFrom(env: CliEnv, doFetch: typeof fetch = fetch): GetIdToken {
  return async (audience) => {
    const base = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
    // The toolkit's own wording: requestGithubIdToken turns it into the `id-token: write` hint.
    if (!base) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
    if (!requestToken) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
    const url = audience ? `${base}&audience=${encodeURIComponent(audience)}` : base;
    return retry(
      async (signal) => {
        const response = await doFetch(url, { headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' }, signal });
        if (!response.ok) throw new IdTokenRequestError(response.status);
        const body = (await response.json().catch(() => ({}))) as { value?: unknown };
        if (typeof body.value !== 'string' || body.value === '') throw new Error("GitHub's ID token endpoint answered without a token (no value field)");
        return body.value;
      },
      {
        label: 'GitHub OIDC token request',
        // Like the toolkit: 502/503/504 and lost connections are worth another try, other answers are not.
        isRetryable: (error) =>
          error instanceof IdTokenRequestError ? [502, 503, 504].includes(error.status) : error instanceof AttemptTimeoutError || error instanceof TypeError,
        maxAttempts: 5,
        baseMs: 500,
        attemptTimeoutMs: 10_000,
        deadlineMs: 60_000,
      },
    );
  };
}
