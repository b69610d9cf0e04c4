import type { z } from 'zod';
import { UpstreamBudget, UpstreamCallObserver, UpstreamCallOutcome, UpstreamError } from '../contracts';
import { NestUpstreamLogger, RedactingLogger, UpstreamLogger } from '../logging/upstream-logger';
import { describeIssues } from '../validation/schema-problems';
import { ABORTED_BY_CALLER, RetryAfterUpstreamError, UpstreamCircuitObserver, UpstreamPolicy, isTransientUpstreamError } from '../resilience/upstream-policy';
import { parseRetryAfterMs } from './retry-after';
import { excerpt, parseJson } from './response-body';
import { SecretRedactor } from './secret-redactor';
import { delay } from '@app/scheduling/deadlines';
import type { SharedRequestBudget } from './shared-budget';
import { TokenBucket } from './token-bucket';

export interface UpstreamBudgetOptions {
  callsPerMinute: number;
  /** burst size (default: 10 seconds' worth) */
  capacity?: number;
  /** how long a call may wait for a token before failing with kind 'budget' (default 5 s) */
  maxWaitMs?: number;
}

export interface UpstreamHttpClientOptions {
  /** names the upstream in errors, logs and metrics, e.g. 'coingecko' */
  name: string;
  /** API root, e.g. `https://api.coingecko.com/api/v3`; request paths are appended to it */
  baseUrl: string;
  /** sent with every request; API keys go here (and are redacted everywhere) */
  headers?: Readonly<Record<string, string>>;
  /** more values to redact, e.g. a key that lives in the base URL's path */
  secrets?: readonly string[];
  /** per-attempt timeout (default 10 s) */
  timeoutMs?: number;
  /** retries after the first attempt (default 2) */
  retries?: number;
  /** default { baseMs: 250, maxMs: 5_000 } */
  backoff?: { baseMs: number; maxMs: number };
  /** longest `Retry-After` honoured before retrying (default 30 s); longer ones are shortened to this */
  maxRetryAfterMs?: number;
  budget: UpstreamBudgetOptions;
  /** the cluster-wide budget of this upstream (with Redis); each call takes from it after the local bucket */
  sharedBudget?: SharedRequestBudget;
  observer?: UpstreamCallObserver;
  onCircuitState?: UpstreamCircuitObserver;
  /** circuit breaker of this upstream (defaults in `UPSTREAM_POLICY_DEFAULTS`) */
  breaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number };
  logger?: UpstreamLogger;
}

export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface GetJsonOptions<T = unknown> {
  timeoutMs?: number;
  /** zod schema of the response: the parsed body is returned as its output; a mismatch fails with kind 'validation' */
  schema?: z.ZodType<T>;
  /** lets the caller give up (e.g. on shutdown); no retry follows */
  signal?: AbortSignal;
}

const DEFAULT_MAX_BUDGET_WAIT_MS = 5_000;

/**
 * The one HTTP client behind every upstream: JSON GETs over Node's fetch under the upstream's `UpstreamPolicy`
 * (cockatiel: per-attempt timeout, retries with backoff on 5xx/timeouts/network errors, `Retry-After` on 429/503,
 * circuit breaker), a token-bucket request budget, typed failures (`UpstreamError`) and secrets redacted from every
 * message it produces.
 */
export class UpstreamHttpClient implements UpstreamBudget {
  readonly upstream: string;
  /** the upstream's resilience policy, shared with anything else that calls this upstream */
  readonly policy: UpstreamPolicy;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly maxBudgetWaitMs: number;
  private readonly bucket: TokenBucket;
  private readonly sharedBudget?: SharedRequestBudget;
  private readonly redactor: SecretRedactor;
  private readonly logger: UpstreamLogger;
  private readonly observer?: UpstreamCallObserver;

  constructor(options: UpstreamHttpClientOptions) {
    this.upstream = options.name;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/json', ...options.headers };
    this.maxBudgetWaitMs = options.budget.maxWaitMs ?? DEFAULT_MAX_BUDGET_WAIT_MS;
    this.bucket = new TokenBucket({ callsPerMinute: options.budget.callsPerMinute, capacity: options.budget.capacity });
    this.sharedBudget = options.sharedBudget;
    this.redactor = new SecretRedactor(this.headers, options.secrets);
    const redact = (text: string) => this.redactor.text(text);
    this.logger = new RedactingLogger(options.logger ?? new NestUpstreamLogger(UpstreamHttpClient.name), redact);
    this.observer = options.observer;
    this.policy = new UpstreamPolicy({
      upstream: options.name,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoff: options.backoff,
      maxRetryAfterMs: options.maxRetryAfterMs,
      breaker: options.breaker,
      observer: options.observer,
      onCircuitState: options.onCircuitState,
      logger: this.logger,
      redact,
    });
  }

  get callsPerMinute(): number {
    return this.bucket.callsPerMinute;
  }

  /** GETs `path` (relative to the base URL) and returns the parsed JSON, or throws `UpstreamError`. */
  async getJson<T>(path: string, query: QueryParams = {}, options: GetJsonOptions<T> = {}): Promise<T> {
    const url = this.buildUrl(path, query);
    const label = `GET ${this.redactor.pathAndQuery(url)}`;
    let attempts = 0;
    let body: unknown;
    try {
      body = await this.policy.execute(async ({ signal }) => {
        attempts++;
        // the token is taken per attempt, inside the breaker: an open circuit spends no budget
        await this.takeToken(label, options.signal);
        return this.attempt(url, label, signal, options);
      }, options.signal);
    } catch (error) {
      throw this.failed(error, label, attempts);
    }
    return this.validated<T>(body, label, options);
  }

  private buildUrl(path: string, query: QueryParams): URL {
    const url = new URL(`${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`);
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue;
      url.searchParams.set(name, String(value));
      if (SecretRedactor.isSecretQueryParam(name)) this.redactor.addSecret(String(value));
    }
    return url;
  }

  /**
   * The error a caller sees: names the request and the attempts. Failures that are the upstream's outage (they feed
   * the breaker, which logs the outage once) are not logged here; the others (4xx, bad bodies) are worth a warning.
   */
  private failed(error: unknown, label: string, attempts: number): UpstreamError {
    if (!(error instanceof UpstreamError)) return this.error(`${label} failed: ${error instanceof Error ? error.message : String(error)}`, undefined, 'network');
    const detail = error.message.slice(error.upstream.length + 2);
    if (error.kind === 'circuit_open' || error.kind === 'budget') return this.error(`${label} ${detail}`, error.status, error.kind);
    const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const failure = this.error(`${label} failed${after}: ${detail}`, error.status, error.kind);
    if (isTransientUpstreamError(error) || detail.endsWith(ABORTED_BY_CALLER)) this.logger.debug(() => failure.message);
    else this.logger.warn(failure.message);
    return failure;
  }

  /** The local bucket (this replica's pace), then the cluster-wide budget when there is one, within `maxWaitMs` in all. */
  private async takeToken(label: string, signal?: AbortSignal): Promise<void> {
    const startedAt = Date.now();
    const waitMs = this.bucket.reserve(this.maxBudgetWaitMs);
    if (waitMs === undefined) throw this.budgetRefused('');
    if (waitMs > 0) {
      this.logger.debug(() => `${this.upstream} ${label} waits ${waitMs} ms for its request budget`);
      // delay resolves early on abort: the caller gave up, no request follows
      await delay(waitMs, { signal });
      if (signal?.aborted) throw this.error(ABORTED_BY_CALLER, undefined, 'network');
    }
    if (!this.sharedBudget) return;
    let taken: boolean;
    try {
      taken = await this.sharedBudget.take(Math.max(0, this.maxBudgetWaitMs - (Date.now() - startedAt)), signal);
    } catch {
      throw this.error(ABORTED_BY_CALLER, undefined, 'network');
    }
    if (!taken) throw this.budgetRefused(' across the cluster');
  }

  private budgetRefused(scope: string): UpstreamError {
    this.observe('budget', 0);
    return this.error(`refused: request budget of ${this.callsPerMinute}/min${scope} exhausted (no token within ${this.maxBudgetWaitMs} ms)`, undefined, 'budget');
  }

  /** One HTTP attempt: the parsed body, or a typed `UpstreamError` (with `Retry-After` when the upstream sent one). */
  private async attempt(url: URL, label: string, policySignal: AbortSignal, options: GetJsonOptions<unknown>): Promise<unknown> {
    const signal = options.timeoutMs ? AbortSignal.any([policySignal, AbortSignal.timeout(options.timeoutMs)]) : policySignal;
    const startedAt = performance.now();
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(url, { headers: this.headers, signal });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      const durationMs = performance.now() - startedAt;
      if (options.signal?.aborted) {
        this.observe('error', durationMs);
        throw this.error(ABORTED_BY_CALLER, undefined, 'network');
      }
      if (signal.aborted) {
        this.observe('timeout', durationMs);
        throw this.error(`timed out after ${options.timeoutMs ?? this.policy.timeoutMs} ms`, undefined, 'timeout');
      }
      this.observe('error', durationMs);
      throw this.error(describeNetworkError(error), undefined, 'network');
    }
    const durationMs = performance.now() - startedAt;
    this.observe(status, durationMs);
    this.logger.debug(() => `${this.upstream} ${label} → ${status} in ${Math.round(durationMs)} ms (${text.length} chars)`);

    const parsed = parseJson(text);
    const body = this.redactor.text(excerpt(text));
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfterMs(retryAfter) : undefined;
    if (status === 429 || (status >= 500 && retryAfterMs !== undefined)) {
      const detail = status === 429 ? `HTTP 429 (rate limited): ${body}` : `HTTP ${status}: ${body}`;
      if (retryAfterMs !== undefined) throw new RetryAfterUpstreamError(this.upstream, this.redactor.text(detail), status, retryAfterMs);
      throw this.error(detail, status, 'http');
    }
    if (status >= 500) {
      // An HTML page from a CDN in front of the API is a 'parse' failure even with a 5xx status.
      throw this.error(`HTTP ${status}${parsed.ok ? '' : ' with a non-JSON body'}: ${body}`, status, parsed.ok ? 'http' : 'parse');
    }
    if (status >= 400 || status < 200) throw this.error(`HTTP ${status}: ${body}`, status, 'http');
    if (!parsed.ok) throw this.error(`HTTP ${status} with a body that is not JSON: ${body}`, status, 'parse');
    return parsed.value;
  }

  private validated<T>(body: unknown, label: string, options: GetJsonOptions<T>): T {
    if (!options.schema) return body as T;
    const parsed = options.schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const problems = describeIssues(parsed.error.issues);
    const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; +${problems.length - 3} more` : '');
    this.logger.warn(`${this.upstream} ${label} returned an unexpected shape: ${shown}`);
    throw this.error(`${label} returned an unexpected shape: ${shown}`, 200, 'validation');
  }

  private error(message: string, status: number | undefined, kind: UpstreamError['kind']): UpstreamError {
    return new UpstreamError(this.upstream, this.redactor.text(message), status, kind);
  }

  private observe(outcome: UpstreamCallOutcome, durationMs: number): void {
    try {
      this.observer?.(this.upstream, outcome, durationMs);
    } catch (error) {
      // metrics must never break a call
      this.logger.warn(`${this.upstream} call observer failed: ${(error as Error).message}`);
    }
  }
}

/** undici reports "fetch failed" and hides the reason in `cause` (ECONNREFUSED, ECONNRESET, ...). */
function describeNetworkError(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: string; cause?: { code?: string; message?: string } };
  const reason = cause?.code ?? cause?.message;
  return reason ? `${message ?? 'network error'} (${reason})` : (message ?? String(error));
}
