import { setTimeout as delay } from 'node:timers/promises';

export interface RequestSlotsOptions {
  /**
   * Requests per second that may start, on average: a token bucket of `size` tokens refilled at this
   * rate, so a stage's throttling (burst limit, rate limit) is never exceeded. @default no limit
   */
  readonly ratePerSecond?: number;
  /** Injectable clock (ms) and sleep, so tests need not wait. @default Date.now, setTimeout */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {});

/**
 * At most `size` requests in flight, handed out first come, first served. Every probe polls for the
 * whole gate, and a probe's first request queues before anyone's repeat, so no probe is starved by
 * others that keep polling an API that never settles. Optionally paced (a token bucket under a rate
 * limit), held back after a 429 (`holdUntil`), and resized (the control plane's adaptive back-off).
 */
export class RequestSlots {
  private size: number;
  private free: number;
  private readonly waiting: (() => void)[] = [];
  private readonly rate: number | undefined;
  private tokens: number;
  private refilledAt: number;
  private heldUntil = 0;
  /** Requests wait for the bucket one at a time, so two never take the same token. */
  private pacing: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(size: number, options: RequestSlotsOptions = {}) {
    this.size = Math.max(1, Math.floor(size));
    this.free = this.size;
    this.rate = options.ratePerSecond !== undefined && options.ratePerSecond > 0 ? options.ratePerSecond : undefined;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.tokens = this.size;
    this.refilledAt = this.now();
  }

  /** How many requests may be in flight now. */
  get limit(): number {
    return this.size;
  }

  /**
   * Resolves with the function that gives the slot back, once a slot is free, the hold has passed and
   * (when paced) a token is in the bucket; rejects when `signal` aborts first.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) this.free--;
    else await this.queue(signal);
    const release = this.releaser();
    try {
      await this.paced(signal);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** No request starts before `atMs` (a 429's Retry-After applies to the whole stage, not one probe). */
  holdUntil(atMs: number): void {
    this.heldUntil = Math.max(this.heldUntil, atMs);
  }

  /** Changes how many requests may be in flight; requests already in flight finish first when it shrinks. */
  resize(size: number): void {
    const next = Math.max(1, Math.floor(size));
    this.free += next - this.size;
    this.size = next;
    while (this.free > 0 && this.waiting.length > 0) {
      this.free--;
      this.waiting.shift()!();
    }
  }

  private queue(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        reject(signal!.reason);
      };
      this.waiting.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private paced(signal?: AbortSignal): Promise<void> {
    if (this.rate === undefined && this.heldUntil <= this.now()) return Promise.resolve();
    const turn = this.pacing.then(async () => {
      const held = this.heldUntil - this.now();
      if (held > 0) await this.sleep(held, signal);
      if (this.rate === undefined) return;
      this.refill();
      if (this.tokens < 1) {
        await this.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.rate), signal);
        this.refill();
      }
      this.tokens = Math.max(0, this.tokens - 1);
    });
    // A rejected turn (abort) must not block the ones behind it.
    this.pacing = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(this.size, this.tokens + ((at - this.refilledAt) * this.rate!) / 1000);
    this.refilledAt = at;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.free >= 0 ? this.waiting.shift() : undefined;
      if (next) next();
      else this.free++;
    };
  }
}
