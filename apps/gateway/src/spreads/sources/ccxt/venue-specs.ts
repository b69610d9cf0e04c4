import type * as ccxt from 'ccxt';

/**
 * How each venue's spot and linear-perpetual tickers are read through ccxt (ccxt@4.5.84, pinned exactly in
 * package.json because payload parsing changes between releases). The gaps listed in
 * reference/exchanges-dex.md §1.2 are filled here:
 * - Binance USDⓈ-M tickers have no bid/ask → `fetchBidsAsks` (/fapi/v1/ticker/bookTicker); mark price →
 *   `fetchMarkPrices` (/fapi/v1/premiumIndex).
 * - OKX tickers carry no mark price → `fetchMarkPrices` (/api/v5/public/mark-price?instType=SWAP).
 * - MEXC contract tickers: ccxt leaves `markPrice` undefined; the mark is `info.fairPrice`.
 * - Bybit, Gate, Bitget, KuCoin Futures: the mark is in the ticker.
 *
 * `watch` (ccxt.pro, same package): the streams merged into a leg's quotes when the venue is in
 * `SPREADS_WATCH_VENUES`; a leg without it is always polled. The same gaps are filled from streams:
 * Binance USDⓈ-M `watchBidsAsks` (bookTicker) + `watchMarkPrices` (markPrice); OKX swap `watchMarkPrices`;
 * Bybit spot `watchBidsAsks` (orderbook.1: its WS spot ticker has no bid/ask); Gate futures `watchBidsAsks`.
 * Binance spot streams the full `ticker` (ccxt's default `miniTicker` has no bid/ask).
 * Not streamed: MEXC (spot `watchTickers` is NotSupported) and KuCoin Futures (ccxt.pro's kucoinfutures
 * inherits the spot `watchTickers`; a contract stream carrying the mark is not verified).
 */
export interface LegSpec {
  kind: 'spot' | 'futures';
  /** ccxt exchange class, e.g. `binanceusdm` */
  exchangeId: string;
  tickersParams: Record<string, unknown>;
  bidsAsks?: boolean;
  /** params of `fetchMarkPrices` when the ticker lacks the mark */
  markPricesParams?: Record<string, unknown>;
  /** field of the raw ticker (`info`) holding the mark when ccxt does not map it */
  markFromInfo?: string;
  watch?: WatchSpec;
}

export type WatchStream = 'tickers' | 'bidsAsks' | 'markPrices';

export interface WatchSpec {
  /** ccxt.pro streams merged per symbol; `tickers` first (it carries last and volume) */
  streams: WatchStream[];
  /** symbols per subscription: ~50 keeps venues from dropping the socket (ccxt#26508); Bybit spot takes 10 args per request */
  batch: number;
  /** params of a stream's `watch*` call */
  params?: Partial<Record<WatchStream, Record<string, unknown>>>;
}

const TICKERS: WatchSpec = { streams: ['tickers'], batch: 50 };

export interface VenueSpec {
  /** uppercase venue name in events */
  name: string;
  legs: LegSpec[];
  /** ccxt constructor options per exchange class: only the market types we use are loaded at start */
  exchangeOptions: Record<string, Record<string, unknown>>;
}

export const VENUE_SPECS: Readonly<Record<string, VenueSpec>> = {
  binance: {
    name: 'BINANCE',
    legs: [
      { kind: 'spot', exchangeId: 'binance', tickersParams: {}, watch: { streams: ['tickers'], batch: 50, params: { tickers: { name: 'ticker' } } } },
      { kind: 'futures', exchangeId: 'binanceusdm', tickersParams: {}, bidsAsks: true, markPricesParams: {}, watch: { streams: ['tickers', 'bidsAsks', 'markPrices'], batch: 50 } },
    ],
    exchangeOptions: { binance: { fetchMarkets: { types: ['spot'] } }, binanceusdm: { fetchMarkets: { types: ['linear'] } } },
  },
  bybit: {
    name: 'BYBIT',
    legs: [
      { kind: 'spot', exchangeId: 'bybit', tickersParams: { type: 'spot' }, watch: { streams: ['tickers', 'bidsAsks'], batch: 10 } },
      { kind: 'futures', exchangeId: 'bybit', tickersParams: { type: 'swap', subType: 'linear' }, watch: TICKERS },
    ],
    exchangeOptions: { bybit: { fetchMarkets: { types: ['spot', 'linear'] } } },
  },
  okx: {
    name: 'OKX',
    legs: [
      { kind: 'spot', exchangeId: 'okx', tickersParams: { type: 'spot' }, watch: TICKERS },
      { kind: 'futures', exchangeId: 'okx', tickersParams: { type: 'swap' }, markPricesParams: { type: 'swap' }, watch: { streams: ['tickers', 'markPrices'], batch: 50 } },
    ],
    exchangeOptions: { okx: { fetchMarkets: { types: ['spot', 'swap'] } } },
  },
  gate: {
    name: 'GATE',
    legs: [
      { kind: 'spot', exchangeId: 'gate', tickersParams: { type: 'spot' }, watch: TICKERS },
      { kind: 'futures', exchangeId: 'gate', tickersParams: { type: 'swap' }, watch: { streams: ['tickers', 'bidsAsks'], batch: 50 } },
    ],
    exchangeOptions: { gate: { fetchMarkets: { types: ['spot', 'swap'] } } },
  },
  bitget: {
    name: 'BITGET',
    legs: [
      { kind: 'spot', exchangeId: 'bitget', tickersParams: { type: 'spot' }, watch: TICKERS },
      { kind: 'futures', exchangeId: 'bitget', tickersParams: { type: 'swap' }, watch: TICKERS },
    ],
    exchangeOptions: { bitget: { fetchMarkets: { types: ['spot', 'swap'] } } },
  },
  mexc: {
    name: 'MEXC',
    legs: [
      { kind: 'spot', exchangeId: 'mexc', tickersParams: { type: 'spot' } },
      { kind: 'futures', exchangeId: 'mexc', tickersParams: { type: 'swap' }, markFromInfo: 'fairPrice' },
    ],
    exchangeOptions: {},
  },
  kucoin: {
    name: 'KUCOIN',
    legs: [
      { kind: 'spot', exchangeId: 'kucoin', tickersParams: {}, watch: TICKERS },
      { kind: 'futures', exchangeId: 'kucoinfutures', tickersParams: {} },
    ],
    exchangeOptions: { kucoin: { fetchMarkets: { types: ['spot'] } } },
  },
};

/** Whether a ccxt market belongs to a leg: active, in the quote allowlist, spot for spot legs and, for futures legs,
 * a linear perpetual settled in the quote currency (dated futures and inverse contracts are other instruments). */
export function isLegMarket(kind: LegSpec['kind'], market: NonNullable<ccxt.Market>, quoteCurrencies: readonly string[]): boolean {
  if (market.active === false || !market.quote || !quoteCurrencies.includes(market.quote)) return false;
  return kind === 'futures' ? Boolean(market.swap && market.linear && market.settle === market.quote) : Boolean(market.spot);
}
