import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  halfJitterGenerator,
  retry,
  timeout,
  wrap,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { UpstreamCallObserver, UpstreamCallOutcome, UpstreamError } from '../contracts';
import { NestUpstreamLogger, UpstreamLogger } from '../logging/upstream-logger';

/** 0 closed, 1 half-open (one probe call in flight), 2 open (calls fail fast): the `upstream_circuit_state` gauge. */
export type UpstreamCircuitState = 'closed' | 'half_open' | 'open';

export type UpstreamCircuitObserver = (upstream: string, state: UpstreamCircuitState) => void;

export interface UpstreamPolicyOptions {
  /** names the upstream in errors, logs and metrics */
  upstream: string;
  /** per-attempt timeout (default 10 s) */
  timeoutMs?: number;
  /** retries after the first attempt (default 2; 0 for clients that retry by themselves or poll again soon) */
  retries?: number;
  /** exponential backoff between retries (default 250 ms doubling up to 5 s, half jitter) */
  backoff?: { baseMs: number; maxMs: number };
  /** longest `Retry-After` honoured before retrying (default 30 s); longer ones are shortened to this */
  maxRetryAfterMs?: number;
  breaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number };
  /** which errors are the upstream's fault (retried, counted by the breaker); default `isTransientUpstreamError` */
  isTransient?: (error: unknown) => boolean;
  /** metrics of `run()` calls and of calls refused by an open circuit */
  observer?: UpstreamCallObserver;
  onCircuitState?: UpstreamCircuitObserver;
  logger?: UpstreamLogger;
  /** redacts the log lines the policy writes (the last failure may quote a URL with a key) */
  redact?: (text: string) => string;
}

export interface UpstreamAttemptContext {
  /** aborted on the per-attempt timeout or when the caller aborts */
  signal: AbortSignal;
  /** 0 for the first attempt */
  attempt: number;
}

/**
 * Defaults shared by every upstream. Why a consecutive breaker and not a sampling one: most upstreams are polled a
 * few times a minute, far below the request rate a `SamplingBreaker` needs to judge a window; five failures in a row
 * (retries included) is a clear outage at any rate and costs at most one call's retries before the circuit opens.
 * While open, one probe call goes through every 10 s (an upstream back is used again within seconds); a failing
 * probe reopens the circuit silently (one log line per outage, not per probe).
 */
export const UPSTREAM_POLICY_DEFAULTS = {
  timeoutMs: 10_000,
  retries: 2,
  backoff: { baseMs: 250, maxMs: 5_000 },
  maxRetryAfterMs: 30_000,
  consecutiveFailures: 5,
  halfOpenAfterMs: 10_000,
} as const;

/** The message tail of a call given up by its caller (shutdown): neither retried nor held against the upstream. */
export const ABORTED_BY_CALLER = 'aborted by the caller';

/** 5xx, 429, timeouts and network errors: worth a retry, and a sign of an outage for the breaker. */
export function isTransientUpstreamError(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.kind === 'timeout' || error.kind === 'network') return !error.message.endsWith(ABORTED_BY_CALLER);
  if (error.kind === 'http' || error.kind === 'parse') return error.status !== undefined && (error.status === 429 || error.status >= 500);
  return false;
}

/**
 * An upstream outage somewhere in `error` (or its `cause` chain, as viem and feature code wrap errors): an open
 * circuit or a failure that feeds the breaker. The breaker logs the outage once; callers log such errors at debug.
 */
export function isUpstreamOutage(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof UpstreamError && (current.kind === 'circuit_open' || isTransientUpstreamError(current))) return true;
  }
  return false;
}

/** An UpstreamError that carries the upstream's `Retry-After` (429/503), read by the retry backoff. */
export class RetryAfterUpstreamError extends UpstreamError {
  constructor(
    upstream: string,
    message: string,
    status: number,
    readonly retryAfterMs: number,
  ) {
    super(upstream, message, status, 'http');
  }
}

const GAUGE_ORDER: Record<UpstreamCircuitState, number> = { closed: 0, half_open: 1, open: 2 };
export const circuitStateValue = (state: UpstreamCircuitState): number => GAUGE_ORDER[state];

/**
 * One upstream's resilience, from cockatiel: retry (exponential backoff, `Retry-After` honoured up to a cap) around a
 * circuit breaker around a per-attempt timeout. Every call to the upstream runs through `execute` (the HTTP client)
 * or `run` (clients that do their own HTTP: ccxt, viem), so every upstream has the same behaviour in an outage:
 * one log line when its circuit opens, one when it closes, fast `circuit_open` failures in between.
 */
export class UpstreamPolicy {
  readonly upstream: string;
  readonly timeoutMs: number;
  private readonly policy: IPolicy;
  private readonly attemptTimeout;
  private readonly breaker;
  private readonly observer?: UpstreamCallObserver;
  private readonly logger: UpstreamLogger;
  private readonly redact: (text: string) => string;
  private lastFailure = '';
  private openedAt?: number;

  constructor(options: UpstreamPolicyOptions) {
    this.upstream = options.upstream;
    this.timeoutMs = options.timeoutMs ?? UPSTREAM_POLICY_DEFAULTS.timeoutMs;
    this.observer = options.observer;
    this.logger = options.logger ?? new NestUpstreamLogger(UpstreamPolicy.name);
    this.redact = options.redact ?? ((text) => text);
    const isTransient = options.isTransient ?? isTransientUpstreamError;
    const transient = handleWhen((error) => isTransient(error));
    const backoff = options.backoff ?? UPSTREAM_POLICY_DEFAULTS.backoff;
    const exponential = new ExponentialBackoff({ initialDelay: backoff.baseMs, maxDelay: backoff.maxMs, generator: halfJitterGenerator });
    const maxRetryAfterMs = options.maxRetryAfterMs ?? UPSTREAM_POLICY_DEFAULTS.maxRetryAfterMs;
    const retries = options.retries ?? UPSTREAM_POLICY_DEFAULTS.retries;
    const consecutiveFailures = options.breaker?.consecutiveFailures ?? UPSTREAM_POLICY_DEFAULTS.consecutiveFailures;
    const halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? UPSTREAM_POLICY_DEFAULTS.halfOpenAfterMs;

    // Retry-After (429/503) wins over the exponential delay, shortened to the cap
    const retryBackoff = new DelegateBackoff<IRetryBackoffContext<unknown>, ReturnType<typeof exponential.next> | undefined>((context, previous) => {
      const next = previous ? previous.next(undefined) : exponential.next();
      const error = 'error' in context.result ? context.result.error : undefined;
      const delay = error instanceof RetryAfterUpstreamError ? Math.min(error.retryAfterMs, maxRetryAfterMs) : next.duration;
      this.logger.debug(() => this.redact(`${this.upstream}: ${describe(error)}; retry ${context.attempt}/${retries} in ${delay} ms`));
      return { delay, state: next };
    });
    const retryPolicy = retry(transient, { maxAttempts: retries, backoff: retryBackoff }).dangerouslyUnref();
    this.breaker = circuitBreaker(transient, { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(consecutiveFailures) });
    // aggressive: a client that ignores the signal (ccxt) is not waited for either. No abort once the attempt has
    // settled: the body is read inside it, so nothing is left to cancel, and an abort builds a DOMException (a stack
    // trace) per upstream call
    this.attemptTimeout = timeout(this.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }).dangerouslyUnref();
    this.policy = wrap(retryPolicy, this.breaker);

    this.breaker.onFailure(({ reason }) => {
      if ('error' in reason) this.lastFailure = describe(reason.error);
    });
    this.breaker.onStateChange((state) => {
      const circuit = toCircuitState(state);
      options.onCircuitState?.(this.upstream, circuit);
      if (circuit === 'open' && this.openedAt === undefined) {
        this.openedAt = Date.now();
        this.logger.warn(
          this.redact(
            `${this.upstream}: circuit open after ${consecutiveFailures} failures in a row (last: ${this.lastFailure}); ` +
              `calls fail fast, one probe every ${Math.round(halfOpenAfterMs / 1000)} s until it answers`,
          ),
        );
      } else if (circuit === 'closed' && this.openedAt !== undefined) {
        this.logger.log(`${this.upstream}: circuit closed, the upstream answers again (down ${Math.round((Date.now() - this.openedAt) / 1000)} s)`);
        this.openedAt = undefined;
      }
    });
    options.onCircuitState?.(this.upstream, 'closed');
  }

  get circuitState(): UpstreamCircuitState {
    return toCircuitState(this.breaker.state);
  }

  /**
   * Runs `attempt` under the policy. The attempt throws `UpstreamError`s (or what `isTransient` knows); a timeout
   * becomes kind 'timeout', an open circuit kind 'circuit_open' (no attempt is made). Observes nothing per attempt:
   * the HTTP client does that with the status it saw.
   */
  async execute<T>(attempt: (context: UpstreamAttemptContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      let attempts = 0;
      return await this.policy.execute(async ({ signal: callSignal }) => {
        const number = attempts++;
        try {
          return await this.attemptTimeout.execute(({ signal: attemptSignal }) => attempt({ signal: attemptSignal, attempt: number }), callSignal);
        } catch (error) {
          // inside the breaker, so that a timeout counts as a failure and is retried
          throw this.translate(error, signal);
        }
        // a signal of this call's own when it has none: cockatiel's default is one shared signal, which collects a
        // listener per call in flight (a MaxListenersExceededWarning past ten)
      }, signal ?? new AbortController().signal);
    } catch (error) {
      throw this.translate(error, signal);
    }
  }

  /**
   * "Run this call under upstream X's policy" for clients that do their own HTTP (ccxt, viem): timeout, retries,
   * breaker, and one `upstream_calls_total` observation per attempt (`ok`, `timeout`, `error`).
   */
  run<T>(call: (context: UpstreamAttemptContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.execute(async (context) => {
      const startedAt = performance.now();
      // a client that ignores the signal (ccxt) settles late: the attempt ends, and is counted, when the signal aborts
      let onAbort = () => undefined as void;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(context.signal.reason);
        context.signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const value = await Promise.race([call(context), aborted]);
        this.observe('ok', performance.now() - startedAt);
        return value;
      } catch (error) {
        this.observe(context.signal.aborted && !signal?.aborted ? 'timeout' : 'error', performance.now() - startedAt);
        throw error;
      } finally {
        context.signal.removeEventListener('abort', onAbort);
        aborted.catch(() => undefined);
      }
    }, signal);
  }

  private translate(error: unknown, signal?: AbortSignal): unknown {
    if (error instanceof BrokenCircuitError) {
      this.observe('circuit_open', 0);
      return new UpstreamError(this.upstream, `circuit open (${this.lastFailure || 'upstream failing'}): call not made`, undefined, 'circuit_open');
    }
    if (error instanceof TaskCancelledError) {
      return signal?.aborted
        ? new UpstreamError(this.upstream, ABORTED_BY_CALLER, undefined, 'network')
        : new UpstreamError(this.upstream, `timed out after ${this.timeoutMs} ms`, undefined, 'timeout');
    }
    return error;
  }

  private observe(outcome: UpstreamCallOutcome, durationMs: number): void {
    try {
      this.observer?.(this.upstream, outcome, durationMs);
    } catch {
      // metrics must never break a call
    }
  }
}

function toCircuitState(state: CircuitState): UpstreamCircuitState {
  if (state === CircuitState.Open || state === CircuitState.Isolated) return 'open';
  return state === CircuitState.HalfOpen ? 'half_open' : 'closed';
}

function describe(error: unknown): string {
  if (error instanceof UpstreamError) return error.message.slice(error.upstream.length + 2);
  if (error instanceof Error) return error.message;
  return String(error);
}
