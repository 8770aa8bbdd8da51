import { setTimeout as sleepFor } from 'node:timers/promises';
import { errorMessage } from '../errors';
import { AttemptTimeoutError } from './errors';

export interface RetryOptions {
  /** Names the operation in every log line, e.g. `token exchange`. */
  readonly label: string;
  /** Decides from the thrown value whether another attempt may help. */
  readonly isRetryable: (error: unknown) => boolean;
  /** Attempts in all, at least 1. */
  readonly maxAttempts: number;
  /** Back-off base: attempt n waits a random time in [0, min(capMs, baseMs * 2^(n-1))). */
  readonly baseMs: number;
  /** Longest single back-off. @default 30000 */
  readonly capMs?: number;
  /** Each attempt is aborted (its signal fires) after this long; the time-out is passed to isRetryable. */
  readonly attemptTimeoutMs: number;
  /** No attempt starts, and none runs on, past this long after the first one started. */
  readonly deadlineMs: number;
  /** One line per attempt. @default no logging */
  readonly log?: (line: string) => void;
  /** Injectable so tests never wait. @default setTimeout */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Stops at once (Ctrl-C): the running attempt's signal fires, and retry rejects with the reason. */
  readonly signal?: AbortSignal;
  /** Injectable clock in ms. @default Date.now */
  readonly now?: () => number;
  /** Injectable jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> => sleepFor(ms, undefined, signal ? { signal } : {});

/**
 * Runs `fn` until it succeeds, a failure is not retryable, `maxAttempts` are used or the deadline
 * passes, sleeping with full-jitter exponential back-off in between. Giving up re-throws the last
 * error unchanged, so callers can still switch on its `code`.
 */
export async function retry<T>(fn: (signal: AbortSignal, attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  checkOptions(options);
  const { label, maxAttempts } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => undefined);
  const capMs = options.capMs ?? 30_000;
  const deadline = now() + options.deadlineMs;

  const signal = options.signal;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const started = now();
    const budget = Math.max(0, Math.min(options.attemptTimeoutMs, deadline - started));
    try {
      const value = await runWithTimeout(fn, attempt, budget, label, signal);
      log(`${label}: attempt ${attempt}/${maxAttempts} succeeded in ${now() - started} ms`);
      return value;
    } catch (error) {
      signal?.throwIfAborted();
      const why = errorMessage(error);
      if (!options.isRetryable(error)) {
        log(`${label}: attempt ${attempt}/${maxAttempts} failed: ${why}; not retryable`);
        throw error;
      }
      if (attempt >= maxAttempts) {
        log(`${label}: attempt ${attempt}/${maxAttempts} failed: ${why}; no attempts left`);
        throw error;
      }
      const delay = Math.floor(random() * Math.min(capMs, options.baseMs * 2 ** (attempt - 1)));
      if (now() + delay >= deadline) {
        log(`${label}: attempt ${attempt}/${maxAttempts} failed: ${why}; deadline of ${options.deadlineMs} ms reached`);
        throw error;
      }
      log(`${label}: attempt ${attempt}/${maxAttempts} failed: ${why}; retrying in ${delay} ms`);
      await sleep(delay, signal);
    }
  }
}

async function runWithTimeout<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  attempt: number,
  timeoutMs: number,
  label: string,
  outer: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new AttemptTimeoutError(label, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    onAbort = () => {
      controller.abort(outer!.reason);
      reject(outer!.reason);
    };
    outer?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // fn may ignore the signal; the race still ends the attempt on time.
    return await Promise.race([fn(controller.signal, attempt), stopped]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort!);
  }
}

function checkOptions(options: RetryOptions): void {
  const positive = (name: keyof RetryOptions, min: number): void => {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new TypeError(`retry: "${name}" option must be a number >= ${min}`);
    }
  };
  if (typeof options.label !== 'string' || options.label === '') throw new TypeError('retry: "label" option must be a non-empty string');
  if (typeof options.isRetryable !== 'function') throw new TypeError('retry: "isRetryable" option must be a function');
  positive('maxAttempts', 1);
  positive('baseMs', 0);
  positive('attemptTimeoutMs', 1);
  positive('deadlineMs', 1);
  if (options.capMs !== undefined) positive('capMs', 0);
}
