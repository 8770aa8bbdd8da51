import { GuardError } from '../../src/errors';
import { retry, type RetryOptions } from '../../src/token';

/** A fake clock that sleeping advances: tests never wait for back-off. */
function fakeTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

class Flaky extends GuardError {
  constructor(
    readonly retryable: boolean,
    n: number,
  ) {
    super(retryable ? 'ERR_FLAKY' : 'ERR_FATAL', `failure ${n}`);
  }
}

function options(time: ReturnType<typeof fakeTime>, overrides: Partial<RetryOptions> = {}) {
  const lines: string[] = [];
  const opts: RetryOptions = {
    label: 'probe op',
    isRetryable: (e) => e instanceof Flaky && e.retryable,
    maxAttempts: 5,
    baseMs: 100,
    attemptTimeoutMs: 1000,
    deadlineMs: 60_000,
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    log: (line) => lines.push(line),
    ...overrides,
  };
  return { opts, lines };
}

describe('retry', () => {
  it('retries retryable failures with full-jitter exponential back-off, one log line per attempt', async () => {
    const time = fakeTime();
    const { opts, lines } = options(time);
    let calls = 0;
    const value = await retry(async () => {
      calls++;
      if (calls < 4) throw new Flaky(true, calls);
      return 'ok';
    }, opts);
    expect(value).toBe('ok');
    // random 0.5 of 100, 200, 400
    expect(time.sleeps).toEqual([50, 100, 200]);
    expect(lines).toEqual([
      'probe op: attempt 1/5 failed: failure 1; retrying in 50 ms',
      'probe op: attempt 2/5 failed: failure 2; retrying in 100 ms',
      'probe op: attempt 3/5 failed: failure 3; retrying in 200 ms',
      'probe op: attempt 4/5 succeeded in 0 ms',
    ]);
  });

  it('caps each back-off at capMs and keeps it below the exponential bound', async () => {
    const time = fakeTime();
    const { opts } = options(time, { random: () => 0.999, capMs: 300, maxAttempts: 6 });
    await expect(retry(async () => Promise.reject(new Flaky(true, 0)), opts)).rejects.toThrow('failure 0');
    expect(time.sleeps).toEqual([99, 199, 299, 299, 299]);
  });

  it('stops at once on a failure that is not retryable and re-throws it unchanged', async () => {
    const time = fakeTime();
    const { opts, lines } = options(time);
    const fatal = new Flaky(false, 1);
    await expect(retry(async () => Promise.reject(fatal), opts)).rejects.toBe(fatal);
    expect(time.sleeps).toEqual([]);
    expect(lines).toEqual(['probe op: attempt 1/5 failed: failure 1; not retryable']);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const time = fakeTime();
    const { opts, lines } = options(time, { maxAttempts: 3 });
    let n = 0;
    await expect(retry(async () => Promise.reject(new Flaky(true, ++n)), opts)).rejects.toMatchObject({ code: 'ERR_FLAKY', message: 'failure 3' });
    expect(lines.at(-1)).toBe('probe op: attempt 3/3 failed: failure 3; no attempts left');
  });

  it('gives up when the next back-off would pass the deadline', async () => {
    const time = fakeTime();
    const { opts, lines } = options(time, { deadlineMs: 1000, maxAttempts: 100, random: () => 0.99 });
    await expect(
      retry(async () => {
        time.advance(100);
        throw new Flaky(true, 0);
      }, opts),
    ).rejects.toThrow('failure 0');
    // Attempts end at 100, 299, 597, 1093 (fake ms); the 4th would have to wait 792 ms more.
    expect(time.sleeps).toEqual([99, 198, 396]);
    expect(lines.at(-1)).toBe('probe op: attempt 4/100 failed: failure 0; deadline of 1000 ms reached');
  });

  it('aborts an attempt that runs past attemptTimeoutMs (signal fires) and retries it', async () => {
    const seen: boolean[] = [];
    let calls = 0;
    const value = await retry(
      (signal) =>
        new Promise<string>((resolve) => {
          calls++;
          if (calls === 1) {
            signal.addEventListener('abort', () => seen.push(signal.aborted));
            return; // hangs until aborted
          }
          resolve('second');
        }),
      {
        label: 'slow op',
        isRetryable: (e) => (e as { code?: string }).code === 'ERR_ATTEMPT_TIMEOUT',
        maxAttempts: 2,
        baseMs: 1,
        attemptTimeoutMs: 30,
        deadlineMs: 5000,
      },
    );
    expect(value).toBe('second');
    expect(seen).toEqual([true]);
  });

  it('reports a time-out with code ERR_ATTEMPT_TIMEOUT and the label', async () => {
    await expect(
      retry(() => new Promise(() => undefined), {
        label: 'silent op',
        isRetryable: () => false,
        maxAttempts: 3,
        baseMs: 1,
        attemptTimeoutMs: 20,
        deadlineMs: 1000,
      }),
    ).rejects.toMatchObject({ code: 'ERR_ATTEMPT_TIMEOUT', message: 'silent op: no answer within 20 ms' });
  });

  it('throws TypeError for a caller mistake in the options', async () => {
    const bad = { label: 'x', isRetryable: () => true, maxAttempts: 0, baseMs: 1, attemptTimeoutMs: 1, deadlineMs: 1 };
    await expect(retry(async () => 1, bad)).rejects.toThrow(new TypeError('retry: "maxAttempts" option must be a number >= 1'));
  });
});
