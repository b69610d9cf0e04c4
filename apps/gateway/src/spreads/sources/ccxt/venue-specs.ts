/**
 * How each venue's spot and linear-perpetual tickers are read through ccxt (ccxt@4.5.84, pinned exactly in
 * package.json because payload parsing changes between releases). The gaps listed in
 * reference/exchanges-dex.md §1.2 are filled here:
 * - Binance USDⓈ-M tickers have no bid/ask → `fetchBidsAsks` (/fapi/v1/ticker/bookTicker); mark price →
 *   `fetchMarkPrices` (/fapi/v1/premiumIndex).
 * - OKX tickers carry no mark price → `fetchMarkPrices` (/api/v5/public/mark-price?instType=SWAP).
 * - MEXC contract tickers: ccxt leaves `markPrice` undefined; the mark is `info.fairPrice`.
 * - Bybit, Gate, Bitget, KuCoin Futures: the mark is in the ticker.
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
}

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
      { kind: 'spot', exchangeId: 'binance', tickersParams: {} },
      { kind: 'futures', exchangeId: 'binanceusdm', tickersParams: {}, bidsAsks: true, markPricesParams: {} },
    ],
    exchangeOptions: { binance: { fetchMarkets: { types: ['spot'] } }, binanceusdm: { fetchMarkets: { types: ['linear'] } } },
  },
  bybit: {
    name: 'BYBIT',
    legs: [
      { kind: 'spot', exchangeId: 'bybit', tickersParams: { type: 'spot' } },
      { kind: 'futures', exchangeId: 'bybit', tickersParams: { type: 'swap', subType: 'linear' } },
    ],
    exchangeOptions: { bybit: { fetchMarkets: { types: ['spot', 'linear'] } } },
  },
  okx: {
    name: 'OKX',
    legs: [
      { kind: 'spot', exchangeId: 'okx', tickersParams: { type: 'spot' } },
      { kind: 'futures', exchangeId: 'okx', tickersParams: { type: 'swap' }, markPricesParams: { type: 'swap' } },
    ],
    exchangeOptions: { okx: { fetchMarkets: { types: ['spot', 'swap'] } } },
  },
  gate: {
    name: 'GATE',
    legs: [
      { kind: 'spot', exchangeId: 'gate', tickersParams: { type: 'spot' } },
      { kind: 'futures', exchangeId: 'gate', tickersParams: { type: 'swap' } },
    ],
    exchangeOptions: { gate: { fetchMarkets: { types: ['spot', 'swap'] } } },
  },
  bitget: {
    name: 'BITGET',
    legs: [
      { kind: 'spot', exchangeId: 'bitget', tickersParams: { type: 'spot' } },
      { kind: 'futures', exchangeId: 'bitget', tickersParams: { type: 'swap' } },
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
      { kind: 'spot', exchangeId: 'kucoin', tickersParams: {} },
      { kind: 'futures', exchangeId: 'kucoinfutures', tickersParams: {} },
    ],
    exchangeOptions: { kucoin: { fetchMarkets: { types: ['spot'] } } },
  },
};
