import { describeBadToken } from '../contract/input-values';
import { errorMessage } from '../errors';
import { Redactor, quoteUntrusted } from '../redact';
import { explainAadsts, type ExchangeContext } from './aadsts';
import { decodeClaimsForLogging } from './decode-claims';
import type { AssertionSource } from './assertion-source';
import { AttemptTimeoutError, TokenExchangeFailedError, type EntraErrorDetails } from './errors';
import { retry, type RetryOptions } from './retry';

export interface ExchangeOptions {
  /** `{authorityHost}/{tenant}/oauth2/v2.0/token` (tokenContract().tokenEndpoint). */
  readonly tokenEndpoint: string;
  /** The caller app's client id. */
  readonly clientId: string;
  /** `<App ID URI>/.default` for app-only tokens. */
  readonly scope: string;
  /**
   * A GitHub OIDC token (workload identity federation), or a source that hands one out per attempt
   * (see assertionSource: a fresh one once the last is 60 s old). Exactly one of assertion / clientSecret.
   */
  readonly assertion?: string | AssertionSource;
  readonly clientSecret?: string;
  /** What the federated credential should hold, to show expected vs presented on AADSTS7002x. */
  readonly expected?: ExchangeContext['expected'];
  /** Called with the access token the moment it is parsed (pass `core.setSecret`). */
  readonly mask?: (token: string) => void;
  readonly log?: (line: string) => void;
  /** @default global fetch */
  readonly fetch?: typeof fetch;
  /** Stops the exchange at once (Ctrl-C): rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Overrides for the retry policy (attempts, back-off, time-outs, injectable sleep/clock). */
  readonly retry?: Partial<Omit<RetryOptions, 'label' | 'isRetryable' | 'log'>>;
  /**
   * How many AADSTS70021 answers in a row are retried, for credentials still propagating.
   * @default 4
   */
  readonly propagationAttempts?: number;
  /**
   * Wait out directory replication: right after the identity was created (or when asked), every
   * replication refusal ({@link REPLICATION_CODES}) is retried until the deadline, each attempt with
   * a fresh assertion. @default false
   */
  readonly awaitReplication?: boolean;
  /** Called with the AADSTS code of every replication refusal that is retried (for a "saw …" summary). */
  readonly onReplicationWait?: (code: string) => void;
}

export interface ExchangedToken {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Seconds, as Entra reported them. */
  readonly expiresIn: number | undefined;
}

const DEFAULT_RETRY = { maxAttempts: 6, baseMs: 1000, capMs: 15_000, attemptTimeoutMs: 10_000, deadlineMs: 120_000 } as const;
const PROPAGATION_CODE = '70021';

/**
 * What Entra answers while a new identity replicates (protocols.md §3, no documented SLA): the caller
 * app (700016), its service principal (7000229), the API's service principal (500011), the federated
 * credential (70021) not yet visible. 501051 is the role assignment not yet visible when the API
 * requires one (the stacks' default); without that requirement the token simply lacks `roles`.
 */
export const REPLICATION_CODES: readonly string[] = ['700016', '7000229', '500011', '70021', '501051'];

/**
 * Client-credentials request to Entra's v2.0 token endpoint, with a federated assertion or a secret
 * (protocols.md §3). Retries network errors, time-outs, 429, 5xx, AADSTS70021 a bounded number of
 * times, and — with `awaitReplication` — every replication refusal until the deadline; every other
 * refusal fails at once with a fix-it message naming what to change.
 */
export async function exchangeForAccessToken(options: ExchangeOptions): Promise<ExchangedToken> {
  checkOptions(options);
  const doFetch = options.fetch ?? fetch;
  const source = typeof options.assertion === 'string' ? undefined : options.assertion;
  // A token endpoint's error text is untrusted: it must not be able to quote back what was sent
  // (every assertion presented, or the client secret).
  const redactor = new Redactor([typeof options.assertion === 'string' ? options.assertion : undefined, options.clientSecret]);
  const propagationLimit = options.propagationAttempts ?? 4;
  let propagationSeen = 0;
  const isRetryable = (error: unknown): boolean => {
    if (error instanceof AttemptTimeoutError) return true;
    if (!(error instanceof TokenExchangeFailedError)) return false;
    const code = error.aadsts;
    if (code !== undefined && REPLICATION_CODES.includes(code)) {
      const again = options.awaitReplication === true || (code === PROPAGATION_CODE && ++propagationSeen < propagationLimit);
      if (again) {
        // A refusal may be tied to the assertion presented: the next attempt presents a new one.
        source?.expire();
        options.onReplicationWait?.(code);
      }
      return again;
    }
    const status = error.status;
    return status === undefined || status === 429 || status >= 500;
  };

  return retry(
    async (signal) => {
      const assertion = source ? await source.get() : (options.assertion as string | undefined);
      redactor.add(assertion);
      const context = exchangeContext(options, assertion);
      let response: Response;
      try {
        response = await doFetch(options.tokenEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: requestBody(options, assertion),
          redirect: 'manual',
          signal,
        });
      } catch (error) {
        if (signal.aborted && signal.reason instanceof AttemptTimeoutError) throw signal.reason;
        throw new TokenExchangeFailedError(`token exchange with ${options.tokenEndpoint} failed: ${networkReason(error)}`, {}, { cause: error });
      }
      const text = await response.text();
      if (response.ok) return parseSuccess(text, options, response.status);
      throw refusal(response.status, text, context, redactor);
    },
    {
      ...DEFAULT_RETRY,
      ...options.retry,
      ...(options.signal ? { signal: options.signal } : {}),
      label: 'token exchange',
      isRetryable,
      ...(options.log ? { log: options.log } : {}),
    },
  );
}

function exchangeContext(options: ExchangeOptions, assertion: string | undefined): ExchangeContext {
  const presented = assertion !== undefined ? decodeClaimsForLogging(assertion) : undefined;
  return {
    clientId: options.clientId,
    scope: options.scope,
    tokenEndpoint: options.tokenEndpoint,
    ...(presented ? { presented } : {}),
    ...(options.expected ? { expected: options.expected } : {}),
  };
}

function requestBody(options: ExchangeOptions, assertion: string | undefined): string {
  const body = new URLSearchParams({ client_id: options.clientId, scope: options.scope, grant_type: 'client_credentials' });
  if (assertion !== undefined) {
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', assertion);
  } else {
    body.set('client_secret', options.clientSecret ?? '');
  }
  return body.toString();
}

function parseSuccess(text: string, options: ExchangeOptions, status: number): ExchangedToken {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TokenExchangeFailedError(`token exchange with ${options.tokenEndpoint} failed: HTTP ${status} answer is not JSON`, { status });
  }
  const accessToken = json['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TokenExchangeFailedError(`token exchange with ${options.tokenEndpoint} failed: HTTP ${status} answer has no access_token`, { status });
  }
  options.mask?.(accessToken);
  const bad = describeBadToken(accessToken);
  if (bad !== undefined) {
    throw new TokenExchangeFailedError(
      `token exchange with ${options.tokenEndpoint} failed: HTTP ${status} answer has an access_token that cannot be sent in a header (${bad}); check that the authority host is Entra and nothing in between rewrites the answer`,
      { status },
    );
  }
  const tokenType = typeof json['token_type'] === 'string' ? json['token_type'] : 'Bearer';
  const expiresIn =
    typeof json['expires_in'] === 'number' ? json['expires_in'] : typeof json['expires_in'] === 'string' ? Number(json['expires_in']) : undefined;
  return { accessToken, tokenType, expiresIn };
}

/** Turns Entra's JSON error (or any other answer) into one line with a fix. */
function refusal(status: number, text: string, context: ExchangeContext, redactor: Redactor): TokenExchangeFailedError {
  const details = parseEntraError(status, text, redactor);
  const what = details.aadsts !== undefined ? `AADSTS${details.aadsts}` : `HTTP ${status}${details.error ? ` ${details.error}` : ''}`;
  const fix = details.aadsts !== undefined ? explainAadsts(details.aadsts, context) : undefined;
  const said = details.description !== undefined ? `Entra said "${details.description}"` : undefined;
  const ids = details.correlationId !== undefined ? `correlation id ${details.correlationId}` : undefined;
  const tail = [said, ids].filter((x) => x !== undefined).join('; ');
  const head =
    fix ??
    (status === 429 || status >= 500
      ? `the token endpoint ${context.tokenEndpoint} is unavailable`
      : `the token endpoint ${context.tokenEndpoint} refused the request`);
  return new TokenExchangeFailedError(
    `token exchange failed (${what}): ${head}${tail ? ` (${tail})` : ''}`,
    details,
    context.presented ? { presented: context.presented } : undefined,
  );
}

export function parseEntraError(status: number, text: string, redactor = new Redactor()): EntraErrorDetails {
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    // Proxies and outages answer HTML; the status alone must do.
  }
  const rawDescription = typeof json['error_description'] === 'string' ? json['error_description'] : undefined;
  const codes = Array.isArray(json['error_codes']) ? json['error_codes'] : [];
  const fromCodes = (typeof codes[0] === 'number' || typeof codes[0] === 'string') && /^\d{1,10}$/.test(String(codes[0])) ? String(codes[0]) : undefined;
  const fromText = rawDescription ? /AADSTS(\d+)/.exec(rawDescription)?.[1] : undefined;
  const firstLine = rawDescription
    ?.split(/\r?\n/)[0]
    ?.replace(/^AADSTS\d+:\s*/, '')
    .trim();
  const str = (key: string): string | undefined => (typeof json[key] === 'string' ? quoteUntrusted(json[key] as string, redactor, { max: 100 }) : undefined);
  const details: EntraErrorDetails = {
    status,
    ...(str('error') !== undefined ? { error: str('error') } : {}),
    ...((fromCodes ?? fromText) !== undefined ? { aadsts: fromCodes ?? fromText } : {}),
    ...(firstLine ? { description: quoteUntrusted(firstLine, redactor, { keepQuotes: true }) } : {}),
    ...(str('correlation_id') !== undefined ? { correlationId: str('correlation_id') } : {}),
    ...(str('trace_id') !== undefined ? { traceId: str('trace_id') } : {}),
  };
  return details;
}

/** fetch's errors may come from another realm (test runners), so read them duck-typed. */
function networkReason(error: unknown): string {
  const read = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
  const message = read(error, 'message');
  const causeMessage = read(read(error, 'cause'), 'message');
  const head = typeof message === 'string' ? message : errorMessage(error);
  return typeof causeMessage === 'string' ? `${head}: ${causeMessage}` : head;
}

function checkOptions(options: ExchangeOptions): void {
  for (const key of ['tokenEndpoint', 'clientId', 'scope'] as const) {
    if (typeof options[key] !== 'string' || options[key] === '') throw new TypeError(`exchangeForAccessToken: "${key}" must be a non-empty string`);
  }
  const given = [options.assertion, options.clientSecret].filter((x) => x !== undefined).length;
  if (typeof options.assertion === 'object' && typeof options.assertion.get !== 'function') {
    throw new TypeError('exchangeForAccessToken: "assertion" must be a token or an assertion source');
  }
  if (given !== 1) throw new TypeError('exchangeForAccessToken: pass exactly one of "assertion" or "clientSecret"');
}
