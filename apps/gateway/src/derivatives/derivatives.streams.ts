import { Inject, Injectable } from '@nestjs/common';
import { rowFields } from '@app/query';
import { filteredList, type RenderContext, type StreamDefinition } from '@app/realtime';
import { COINDESK_API, DERIBIT_API, type CoinDeskApi, type DeribitApi } from '@app/upstream';
import { STABLECOINS_WS_PREFIX } from '../common/seed-paths';
import { DERIVATIVE_CONTRACTS, type VolumeDetail } from './derivative-volume';
import type { DerivativesCard, OpenInterestDetail } from './derivatives.cards';
import { COINDESK_TICK_CACHE, DERIBIT_SUMMARY_CACHE, DerivativesSource, type DerivativesFrameData } from './derivatives.source';

export const DERIVATIVES_PATHS = {
  volume24h: `${STABLECOINS_WS_PREFIX}/derivative/ws/24h_volume`,
  btcOpenInterest: `${STABLECOINS_WS_PREFIX}/derivative/ws/btc_open_interest`,
} as const;

/** A card row whose `details` are of one kind: the fields a client may filter and sort on. */
type CardRow<Detail> = Omit<DerivativesCard, 'details'> & { details: Detail[] };
const CARD_FIELDS = { title: true, value: true, subtext: true, logo: true, symbol: true } as const;

/**
 * The two derivatives streams of seed 000: one card each, in `results`. Neither takes upstream params; both take
 * the filter pipe's (a filter on a detail field such as `{"market":"binance"}` keeps the card when a detail row matches).
 */
@Injectable()
export class DerivativesStreams {
  readonly volume24h: StreamDefinition<object, DerivativesFrameData>;
  readonly btcOpenInterest: StreamDefinition<object, DerivativesFrameData>;

  constructor(source: DerivativesSource, @Inject(COINDESK_API) coindesk: CoinDeskApi, @Inject(DERIBIT_API) deribit: DeribitApi) {
    const render = ({ card }: DerivativesFrameData, query: Parameters<typeof filteredList>[2], _params: object, context: RenderContext) =>
      filteredList('results', [card], query, context);
    this.volume24h = {
      name: '24h_volume',
      path: DERIVATIVES_PATHS.volume24h,
      requiresAuth: true,
      rowFields: rowFields<CardRow<VolumeDetail>>({
        ...CARD_FIELDS,
        details: { market: true, instrument: true, native_instrument: true, volume: true, quote_currency: true, last_update: true, stale: true, error: true, raw: true },
      }),
      refresh: { freshMs: COINDESK_TICK_CACHE.freshMs, callsPerRefresh: DERIVATIVE_CONTRACTS.length, budget: coindesk },
      load: () => source.loadVolumes(),
      render,
    };
    this.btcOpenInterest = {
      name: 'btc_open_interest',
      path: DERIVATIVES_PATHS.btcOpenInterest,
      requiresAuth: true,
      rowFields: rowFields<CardRow<OpenInterestDetail>>({
        ...CARD_FIELDS,
        details: {
          source: true,
          instrument: true,
          market: true,
          open_interest: true,
          open_interest_btc: true,
          expiry: true,
          instruments: true,
          last_update: true,
          raw: true,
        },
      }),
      // the CoinGecko metadata is cached for 5 min and shared with the market snapshot: Deribit sets the pace
      refresh: { freshMs: DERIBIT_SUMMARY_CACHE.freshMs, callsPerRefresh: 1, budget: deribit },
      load: () => source.loadBtcOptionsOpenInterest(),
      render,
    };
  }
}
