import { GuardError } from '../errors';

/** Codes of the failures raised while getting a token; callers `switch (err.code)`. */
export type TokenErrorCode = 'ERR_ID_TOKEN_UNAVAILABLE' | 'ERR_TOKEN_EXCHANGE_FAILED' | 'ERR_TOKEN_COMMAND_FAILED' | 'ERR_ATTEMPT_TIMEOUT';

/** GitHub did not hand out an OIDC token (missing permission, network, GitHub outage). */
export class IdTokenUnavailableError extends GuardError {
  override readonly code = 'ERR_ID_TOKEN_UNAVAILABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_ID_TOKEN_UNAVAILABLE', message, options);
  }
}

/** What Entra's token endpoint said, without anything secret. */
export interface EntraErrorDetails {
  /** HTTP status of the answer; undefined when no answer arrived. */
  readonly status?: number;
  /** OAuth error, e.g. `invalid_client`. */
  readonly error?: string;
  /** The AADSTS number as a string, e.g. `70021`. */
  readonly aadsts?: string;
  /** First line of `error_description` (Entra's own text, no trace lines). */
  readonly description?: string;
  readonly correlationId?: string;
  readonly traceId?: string;
}

/** Claims of the GitHub assertion a refused exchange presented (decoded for logging only; never the token). */
export interface PresentedClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string;
}

/** The token endpoint refused or could not be reached; `aadsts` names Entra's error when it gave one. */
export class TokenExchangeFailedError extends GuardError {
  override readonly code = 'ERR_TOKEN_EXCHANGE_FAILED' as const;
  readonly aadsts: string | undefined;
  readonly status: number | undefined;
  readonly details: EntraErrorDetails;
  /** What the refused assertion claimed, for the job summary (federated exchanges only). */
  readonly presented: PresentedClaims | undefined;
  constructor(message: string, details: EntraErrorDetails, options?: { cause?: unknown; presented?: PresentedClaims }) {
    super('ERR_TOKEN_EXCHANGE_FAILED', message, options);
    this.details = details;
    this.aadsts = details.aadsts;
    this.status = details.status;
    const p = options?.presented;
    this.presented = p
      ? { ...(p.iss !== undefined ? { iss: p.iss } : {}), ...(p.sub !== undefined ? { sub: p.sub } : {}), ...(p.aud !== undefined ? { aud: p.aud } : {}) }
      : undefined;
  }
}

/** A `--token-command` failed, timed out or printed no usable token. */
export class TokenCommandFailedError extends GuardError {
  override readonly code = 'ERR_TOKEN_COMMAND_FAILED' as const;
  readonly exitCode: number | null;
  constructor(message: string, exitCode: number | null, options?: { cause?: unknown }) {
    super('ERR_TOKEN_COMMAND_FAILED', message, options);
    this.exitCode = exitCode;
  }
}

/** One attempt inside {@link retry} ran past its time-out. */
export class AttemptTimeoutError extends GuardError {
  override readonly code = 'ERR_ATTEMPT_TIMEOUT' as const;
  readonly timeoutMs: number;
  constructor(label: string, timeoutMs: number) {
    super('ERR_ATTEMPT_TIMEOUT', `${label}: no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

export type AnyTokenError = IdTokenUnavailableError | TokenExchangeFailedError | TokenCommandFailedError | AttemptTimeoutError;
