import type { AppConfig } from '@app/config';
import { UpstreamError } from '../contracts';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { CoinDeskApi, FuturesTickRequest } from './coindesk.api';
import { CoinDeskErr, CoinDeskFuturesTick, coinDeskTickEnvelopeSchema } from './coindesk.schemas';

export type CoinDeskSettings = AppConfig['upstreams']['coindesk'];

/**
 * HTTP settings of CoinDesk from config: the key goes in `authorization: Apikey <key>` (redacted from logs and errors).
 * CoinDesk limits each key per second/minute/hour/day/month; the budget is `COINDESK_CALLS_PER_MINUTE` (default 60).
 */
export function coinDeskHttpOptions(settings: CoinDeskSettings): UpstreamHttpClientOptions {
  return {
    name: 'coindesk',
    baseUrl: settings.baseUrl,
    headers: settings.apiKey ? { authorization: `Apikey ${settings.apiKey}` } : {},
    secrets: settings.apiKey ? [settings.apiKey] : [],
    timeoutMs: 10_000,
    retries: 2,
    budget: { callsPerMinute: settings.callsPerMinute },
  };
}

/** CoinDesk Data API over the shared upstream HTTP client: unwraps `{ Data, Err }` and turns `Err` into `UpstreamError`. */
export class CoinDeskClient implements CoinDeskApi {
  constructor(private readonly http: UpstreamHttpClient) {}

  get upstream(): string {
    return this.http.upstream;
  }

  get callsPerMinute(): number {
    return this.http.callsPerMinute;
  }

  async getFuturesLatestTick(request: FuturesTickRequest): Promise<Record<string, CoinDeskFuturesTick>> {
    if (request.instruments.length === 0) throw new UpstreamError(this.upstream, 'futures latest tick needs at least one instrument', undefined, 'validation');
    const query = {
      market: request.market,
      instruments: request.instruments.join(','),
      groups: request.groups?.join(','),
      mapping_priority: request.mappingPriority,
    };
    const body = await this.http.getJson('/futures/v1/latest/tick', query, { schema: coinDeskTickEnvelopeSchema });
    if (Object.keys(body.Data).length === 0) {
      // HTTP 200 with an error envelope: CoinDesk answered, but with nothing for this market/instrument set
      throw new UpstreamError(this.upstream, `futures latest tick for ${request.market} returned no data: ${describeErr(body.Err)}`, 200, 'http');
    }
    return body.Data;
  }
}

/** "No data for … (instruments: XBTUSD)" from an `Err` object. */
export function describeErr(err: CoinDeskErr): string {
  const { message, other_info: info } = err;
  const values = info?.values?.length ? ` (${info.param ?? 'values'}: ${info.values.join(', ')})` : '';
  return `${message ?? 'no error message'}${values}`;
}
