import type { AppConfig } from '@app/config';
import { UpstreamError } from '../contracts';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { DeribitApi, DeribitCurrency, DeribitKind } from './deribit.api';
import { DeribitBookSummary, deribitBookSummaryResponseSchema } from './deribit.schemas';

export type DeribitSettings = AppConfig['upstreams']['deribit'];

/**
 * Deribit's unauthenticated limit is credit-based, ~20 requests/s sustained per IP (upstreams.md D); exceeding it
 * drops the session. A quarter of that leaves room for other clients on the same IP.
 */
export const DERIBIT_CALLS_PER_MINUTE = 300;

/** HTTP settings of Deribit's public API (no key). */
export function deribitHttpOptions(settings: DeribitSettings): UpstreamHttpClientOptions {
  return {
    name: 'deribit',
    baseUrl: settings.baseUrl,
    timeoutMs: 10_000,
    retries: 2,
    budget: { callsPerMinute: DERIBIT_CALLS_PER_MINUTE },
  };
}

/** Deribit public API v2 over the shared upstream HTTP client: unwraps the JSON-RPC `result`, turns `error` into `UpstreamError`. */
export class DeribitClient implements DeribitApi {
  constructor(private readonly http: UpstreamHttpClient) {}

  get upstream(): string {
    return this.http.upstream;
  }

  get callsPerMinute(): number {
    return this.http.callsPerMinute;
  }

  async getBookSummaryByCurrency(currency: DeribitCurrency, kind?: DeribitKind): Promise<DeribitBookSummary[]> {
    const body = await this.http.getJson('/public/get_book_summary_by_currency', { currency, kind }, { schema: deribitBookSummaryResponseSchema });
    if (body.error) {
      // Deribit normally sends errors with HTTP 400, but a JSON-RPC error inside a 200 is still an error
      throw new UpstreamError(this.upstream, `get_book_summary_by_currency(${currency}, ${kind ?? 'all'}) failed: ${body.error.message} (code ${body.error.code})`, 200, 'http');
    }
    return body.result!;
  }
}
