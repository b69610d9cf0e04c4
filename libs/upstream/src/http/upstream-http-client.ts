import type { z } from 'zod';
import { UpstreamBudget, UpstreamCallObserver, UpstreamCallOutcome, UpstreamError } from '../contracts';
import { NestUpstreamLogger, RedactingLogger, UpstreamLogger } from '../logging/upstream-logger';
import { describeIssues } from '../validation/schema-problems';
import { BackoffOptions, backoffDelayMs, parseRetryAfterMs } from './backoff';
import { excerpt, parseJson } from './response-body';
import { SecretRedactor } from './secret-redactor';
import { sleep } from './sleep';
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
  backoff?: BackoffOptions;
  /** longest `Retry-After` honoured before retrying (default 30 s); longer ones are shortened to this */
  maxRetryAfterMs?: number;
  budget: UpstreamBudgetOptions;
  /** the cluster-wide budget of this upstream (with Redis); each call takes from it after the local bucket */
  sharedBudget?: SharedRequestBudget;
  observer?: UpstreamCallObserver;
  logger?: UpstreamLogger;
  /** jitter source (tests pin it) */
  random?: () => number;
}

export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface GetJsonOptions<T = unknown> {
  timeoutMs?: number;
  /** zod schema of the response: the parsed body is returned as its output; a mismatch fails with kind 'validation' */
  schema?: z.ZodType<T>;
  /** lets the caller give up (e.g. on shutdown); no retry follows */
  signal?: AbortSignal;
}

type AttemptResult =
  | { ok: true; body: unknown }
  | { ok: false; kind: UpstreamError['kind']; detail: string; status?: number; retryable: boolean; retryAfterMs?: number };

const DEFAULTS = { timeoutMs: 10_000, retries: 2, backoff: { baseMs: 250, maxMs: 5_000 }, maxRetryAfterMs: 30_000, maxBudgetWaitMs: 5_000 };

/**
 * The one HTTP client behind every upstream: JSON GETs over Node's fetch with a per-attempt timeout, retries with
 * backoff on 5xx/timeouts/network errors, `Retry-After` on 429, a token-bucket request budget, typed failures
 * (`UpstreamError`) and secrets redacted from every message it produces.
 */
export class UpstreamHttpClient implements UpstreamBudget {
  readonly upstream: string;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoff: BackoffOptions;
  private readonly maxRetryAfterMs: number;
  private readonly maxBudgetWaitMs: number;
  private readonly bucket: TokenBucket;
  private readonly sharedBudget?: SharedRequestBudget;
  private readonly redactor: SecretRedactor;
  private readonly logger: UpstreamLogger;
  private readonly observer?: UpstreamCallObserver;
  private readonly random: () => number;

  constructor(options: UpstreamHttpClientOptions) {
    this.upstream = options.name;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/json', ...options.headers };
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.retries = options.retries ?? DEFAULTS.retries;
    this.backoff = options.backoff ?? DEFAULTS.backoff;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.maxBudgetWaitMs = options.budget.maxWaitMs ?? DEFAULTS.maxBudgetWaitMs;
    this.bucket = new TokenBucket({ callsPerMinute: options.budget.callsPerMinute, capacity: options.budget.capacity });
    this.sharedBudget = options.sharedBudget;
    this.redactor = new SecretRedactor(this.headers, options.secrets);
    this.logger = new RedactingLogger(options.logger ?? new NestUpstreamLogger(UpstreamHttpClient.name), (text) => this.redactor.text(text));
    this.observer = options.observer;
    this.random = options.random ?? Math.random;
  }

  get callsPerMinute(): number {
    return this.bucket.callsPerMinute;
  }

  /** GETs `path` (relative to the base URL) and returns the parsed JSON, or throws `UpstreamError`. */
  async getJson<T>(path: string, query: QueryParams = {}, options: GetJsonOptions<T> = {}): Promise<T> {
    const url = this.buildUrl(path, query);
    const label = `GET ${this.redactor.pathAndQuery(url)}`;
    for (let attempt = 1; ; attempt++) {
      await this.takeToken(label, options.signal);
      const result = await this.attempt(url, label, options);
      if (result.ok) return this.validated<T>(result.body, label, options);

      const retriesLeft = attempt <= this.retries && result.retryable && !options.signal?.aborted;
      if (!retriesLeft) {
        const attempts = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        this.logger.warn(`${this.upstream} ${label} failed${attempts}: ${result.detail}`);
        throw this.error(`${label} failed${attempts}: ${result.detail}`, result.status, result.kind);
      }
      const delayMs =
        result.retryAfterMs !== undefined ? Math.min(result.retryAfterMs, this.maxRetryAfterMs) : backoffDelayMs(attempt, this.backoff, this.random);
      this.logger.warn(`${this.upstream} ${label}: ${result.detail}; retry ${attempt}/${this.retries} in ${delayMs} ms`);
      await this.wait(delayMs, label, options.signal);
    }
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

  /** The local bucket (this replica's pace), then the cluster-wide budget when there is one, within `maxWaitMs` in all. */
  private async takeToken(label: string, signal?: AbortSignal): Promise<void> {
    const startedAt = Date.now();
    const waitMs = this.bucket.reserve(this.maxBudgetWaitMs);
    if (waitMs === undefined) throw this.budgetRefused(label, '');
    if (waitMs > 0) {
      this.logger.debug(() => `${this.upstream} ${label} waits ${waitMs} ms for its request budget`);
      await this.wait(waitMs, label, signal);
    }
    if (!this.sharedBudget) return;
    let taken: boolean;
    try {
      taken = await this.sharedBudget.take(Math.max(0, this.maxBudgetWaitMs - (Date.now() - startedAt)), signal);
    } catch {
      throw this.error(`${label} aborted by the caller`, undefined, 'network');
    }
    if (!taken) throw this.budgetRefused(label, ' across the cluster');
  }

  private budgetRefused(label: string, scope: string): UpstreamError {
    this.observe('budget', 0);
    return this.error(`${label} refused: request budget of ${this.callsPerMinute}/min${scope} exhausted (no token within ${this.maxBudgetWaitMs} ms)`, undefined, 'budget');
  }

  private async attempt(url: URL, label: string, options: GetJsonOptions): Promise<AttemptResult> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
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
        return { ok: false, kind: 'network', detail: 'aborted by the caller', retryable: false };
      }
      if (timeout.aborted) {
        this.observe('timeout', durationMs);
        return { ok: false, kind: 'timeout', detail: `timed out after ${timeoutMs} ms`, retryable: true };
      }
      this.observe('error', durationMs);
      return { ok: false, kind: 'network', detail: describeNetworkError(error), retryable: true };
    }
    const durationMs = performance.now() - startedAt;
    this.observe(status, durationMs);
    this.logger.debug(() => `${this.upstream} ${label} → ${status} in ${Math.round(durationMs)} ms (${text.length} chars)`);

    const parsed = parseJson(text);
    const body = this.redactor.text(excerpt(text));
    if (status === 429) {
      return { ok: false, kind: 'http', status, detail: `HTTP 429 (rate limited): ${body}`, retryable: true, retryAfterMs: parseRetryAfterMs(retryAfter) };
    }
    if (status >= 500) {
      // An HTML page from a CDN in front of the API is a 'parse' failure even with a 5xx status.
      return { ok: false, kind: parsed.ok ? 'http' : 'parse', status, detail: `HTTP ${status}${parsed.ok ? '' : ' with a non-JSON body'}: ${body}`, retryable: true };
    }
    if (status >= 400 || status < 200) {
      return { ok: false, kind: 'http', status, detail: `HTTP ${status}: ${body}`, retryable: false };
    }
    if (!parsed.ok) {
      return { ok: false, kind: 'parse', status, detail: `HTTP ${status} with a body that is not JSON: ${body}`, retryable: false };
    }
    return { ok: true, body: parsed.value };
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

  private async wait(ms: number, label: string, signal?: AbortSignal): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      throw this.error(`${label} aborted by the caller`, undefined, 'network');
    }
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
