/**
 * Awaited waits and cancellation deadlines (see the header of `job-scheduler.ts` for why these are not jobs).
 * Armed with the global `setTimeout`, so Jest's fake timers drive them (`AbortSignal.timeout` and
 * `node:timers/promises` are not faked by Jest, which is why they are not used here).
 */

export interface DelayOptions {
  /** resolve early (without error) when this aborts */
  signal?: AbortSignal;
  /** keep the process alive while waiting (default true, as a plain `setTimeout`) */
  ref?: boolean;
}

/** Resolves after `ms` (or as soon as `signal` aborts). */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal, ref = true } = options;
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    if (!ref) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `work`'s result, or the error from `onTimeout` when `work` has not settled within `ms`; the timer never outlives the race. */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `work` for at most `ms`: true when it settled in time (its rejection is swallowed), false at the deadline. */
export async function waitAtMost(work: Promise<unknown>, ms: number, options: { ref?: boolean } = {}): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
        if (options.ref === false) timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
