import { quoteUntrusted, type Redactor } from '../redact';
import type { ProbeAnswer, ProbeSpec } from './types';

export interface SendProbeOptions {
  /** Base URL of the API (stage URL), without a trailing slash. */
  readonly apiUrl: string;
  readonly timeoutMs: number;
  readonly body?: string;
  /** Extra request headers (never Authorization: probes set that). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Knows every credential the probes send (tokens an API might echo, whole or in part). */
  readonly redactor: Redactor;
  /** ms since the probe started, for `atMs`. */
  readonly elapsed: () => number;
  /** The gate's clock, for a Retry-After given as a date. @default Date.now */
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  /** Aborts the request at once (Ctrl-C); the caller checks it after the answer. */
  readonly signal?: AbortSignal;
}

/** Sends one probe request, never following redirects, and records only what is safe to print. */
export async function sendProbe(spec: ProbeSpec, options: SendProbeOptions): Promise<ProbeAnswer> {
  const atMs = options.elapsed();
  const started = Date.now();
  const headers: Record<string, string> = { ...options.headers };
  if (spec.authorization !== undefined) headers['authorization'] = spec.authorization;
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(joinUrl(options.apiUrl, spec.path), {
      method: spec.method,
      headers,
      redirect: 'manual',
      signal: withTimeout(options.timeoutMs, options.signal),
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    // The body is not needed; cancelling frees the connection at once.
    await response.body?.cancel().catch(() => undefined);
    const location = safeHeader(response.headers.get('location'), options.redactor);
    const wwwAuthenticate = safeHeader(response.headers.get('www-authenticate'), options.redactor);
    const retryAfterMs =
      response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get('retry-after'), (options.now ?? Date.now)()) : undefined;
    return {
      status: response.status,
      ...(location !== undefined ? { location } : {}),
      ...(wwwAuthenticate !== undefined ? { wwwAuthenticate } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      atMs,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    // fetch's own errors may quote the request (an invalid header value is the Authorization header).
    return { error: quoteUntrusted(describeFailure(error, options.timeoutMs), options.redactor), atMs, durationMs: Date.now() - started };
  }
}

/** `Retry-After` as ms from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) || !/[a-z]/i.test(text) ? undefined : Math.max(0, at - nowMs);
}

/** A time-out that also fires on the caller's signal. */
export function withTimeout(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
  return signal ? AbortSignal.any([timeout, signal]) : timeout;
}

export function joinUrl(apiUrl: string, path: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The only way a response header enters a result: the API under test is untrusted input. */
function safeHeader(value: string | null, redactor: Redactor): string | undefined {
  return value === null ? undefined : quoteUntrusted(value, redactor);
}

function describeFailure(error: unknown, timeoutMs: number): string {
  // AbortSignal.timeout rejects with a DOMException, which is not always an `Error` instance.
  const name = typeof error === 'object' && error !== null && 'name' in error ? (error as { name: unknown }).name : undefined;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // Duck-typed: fetch's errors may come from another realm (test runners), failing `instanceof`.
  const cause = field(error, 'cause');
  const code = field(cause, 'code') ?? field(error, 'code');
  if (typeof code === 'string') return code;
  const message = field(error, 'message');
  return typeof message === 'string' ? message : 'request failed';
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}
