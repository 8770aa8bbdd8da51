/**
 * Where the exchange gets its GitHub assertion for each attempt. GitHub tokens live about 5 minutes
 * and Entra refuses an expired one (AADSTS700024), so a retry loop that may run for minutes must not
 * reuse the first one: an assertion older than `maxAgeMs` is requested again, and `expire()` forces a
 * fresh one for the next attempt (the exchange calls it after a replication refusal).
 */
export interface AssertionSource {
  /** The assertion for this attempt: the last one while it is young enough, else a new one. */
  get(): Promise<string>;
  /** The next `get()` requests a new assertion. */
  expire(): void;
}

export interface AssertionSourceOptions {
  /** Requests a new assertion (the GitHub OIDC token request). */
  readonly request: () => Promise<string>;
  /** An assertion is reused for at most this long after it arrived. @default 60000 */
  readonly maxAgeMs?: number;
  /** Injectable clock in ms, the same one the retry loop uses. @default Date.now */
  readonly now?: () => number;
}

/** An assertion is requested again once it is this old (issue [1] item 10: well inside GitHub's 5 minutes). */
export const ASSERTION_MAX_AGE_MS = 60_000;

export function assertionSource(options: AssertionSourceOptions): AssertionSource {
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? ASSERTION_MAX_AGE_MS;
  let cached: { readonly value: string; readonly at: number } | undefined;
  return {
    async get() {
      if (cached && now() - cached.at <= maxAgeMs) return cached.value;
      cached = undefined;
      const value = await options.request();
      cached = { value, at: now() };
      return value;
    },
    expire() {
      cached = undefined;
    },
  };
}
