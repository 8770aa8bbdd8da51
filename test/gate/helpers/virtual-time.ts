/**
 * Virtual time for the gate against real APIs on loopback: the gate's `now` and `sleep`, and a `fetch`
 * that the gate's probes go through. Time stands still while a request is in flight or code is still
 * running; once everything waits on a sleep, it jumps to the earliest wake-up. So a deadline passes
 * as soon as the probes have done what fits before it, requests take no time, and how many attempts
 * a probe makes follows from the deadline and the intervals alone, however loaded the machine is.
 *
 * Only for APIs that answer: a request that hangs holds time still until its real time-out.
 */
export interface VirtualTime {
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly fetch: typeof fetch;
  /** Every sleep asked for, in order (ms). */
  readonly sleeps: number[];
}

/** Starts at the real time, so tokens minted for real stay valid across the few virtual seconds of a gate. */
export function virtualTime(startMs = Date.now()): VirtualTime {
  let clock = startMs;
  let inFlight = 0;
  let order = 0;
  const sleeps: number[] = [];
  const timers: { at: number; order: number; wake: () => void }[] = [];
  let scheduled = false;
  let quiet = 0;

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(tick);
  };
  const tick = (): void => {
    scheduled = false;
    if (timers.length === 0) return;
    // A request in flight holds time still; its end schedules the next look.
    if (inFlight > 0) {
      quiet = 0;
      return;
    }
    // Two quiet turns of the event loop in a row: whatever a finished request set off has run.
    if (++quiet < 2) return schedule();
    quiet = 0;
    timers.sort((a, b) => a.at - b.at || a.order - b.order);
    clock = Math.max(clock, timers[0]!.at);
    for (const timer of timers.filter((t) => t.at <= clock)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.wake();
    }
    schedule();
  };

  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      const onAbort = (): void => {
        const index = timers.indexOf(timer);
        if (index >= 0) timers.splice(index, 1);
        reject(signal!.reason);
      };
      const timer = {
        at: clock + Math.max(0, ms),
        order: order++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
      schedule();
    });

  const counted: typeof fetch = async (input, init) => {
    inFlight++;
    try {
      // The body is read here, so that nothing of the request is left for after time moves on.
      const response = await fetch(input, init);
      const body = response.status === 204 || response.status === 304 ? null : await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } finally {
      inFlight--;
      schedule();
    }
  };

  return { now: () => clock, sleep, fetch: counted, sleeps };
}
