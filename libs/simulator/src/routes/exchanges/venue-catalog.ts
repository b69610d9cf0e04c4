import { SIM_SYMBOLS, type SimVenue } from './venue-market';

/** How a venue names a market (its own instrument id), per ccxt class and market kind. */
interface VenueIds {
  /** ccxt classes of the venue's spot and linear-perpetual markets */
  spotClass: string;
  futuresClass: string;
  spot(base: string, quote: string): string;
  futures(base: string, quote: string): string;
  /** the venue's own code of a base currency when it differs from ccxt's unified one (KuCoin Futures: XBT) */
  futuresBaseId?(base: string): string;
}

export const VENUE_IDS: Readonly<Record<SimVenue, VenueIds>> = {
  binance: { spotClass: 'binance', futuresClass: 'binanceusdm', spot: (b, q) => `${b}${q}`, futures: (b, q) => `${b}${q}` },
  bybit: { spotClass: 'bybit', futuresClass: 'bybit', spot: (b, q) => `${b}${q}`, futures: (b, q) => `${b}${q}` },
  okx: { spotClass: 'okx', futuresClass: 'okx', spot: (b, q) => `${b}-${q}`, futures: (b, q) => `${b}-${q}-SWAP` },
  gate: { spotClass: 'gate', futuresClass: 'gate', spot: (b, q) => `${b}_${q}`, futures: (b, q) => `${b}_${q}` },
  bitget: { spotClass: 'bitget', futuresClass: 'bitget', spot: (b, q) => `${b}${q}`, futures: (b, q) => `${b}${q}` },
  mexc: { spotClass: 'mexc', futuresClass: 'mexc', spot: (b, q) => `${b}${q}`, futures: (b, q) => `${b}_${q}` },
  kucoin: {
    spotClass: 'kucoin',
    futuresClass: 'kucoinfutures',
    spot: (b, q) => `${b}-${q}`,
    futures: (b, q) => `${b === 'BTC' ? 'XBT' : b}${q}M`,
    futuresBaseId: (b) => (b === 'BTC' ? 'XBT' : b),
  },
};

/** The venue's instrument id of a simulated market. */
export function venueMarketId(venue: SimVenue, kind: 'spot' | 'futures', base: string, quote: string): string {
  return kind === 'spot' ? VENUE_IDS[venue].spot(base, quote) : VENUE_IDS[venue].futures(base, quote);
}

/**
 * The simulated venues' markets as ccxt unified markets of one ccxt class (what `exchange.setMarkets` takes), so a
 * sandbox ccxt instance never calls `loadMarkets` against the internet: the same fields `loadMarkets` fills and
 * ticker parsing reads (id, symbol, base/quote/settle, type flags, contract size).
 */
export function simulatedCcxtMarkets(ccxtClass: string): Array<Record<string, unknown>> {
  const markets: Array<Record<string, unknown>> = [];
  for (const [venue, ids] of Object.entries(VENUE_IDS) as Array<[SimVenue, VenueIds]>) {
    for (const kind of ['spot', 'futures'] as const) {
      if ((kind === 'spot' ? ids.spotClass : ids.futuresClass) !== ccxtClass) continue;
      for (const { base, quote, price } of SIM_SYMBOLS) {
        const swap = kind === 'futures';
        const baseId = swap && ids.futuresBaseId ? ids.futuresBaseId(base) : base;
        const tick = 10 ** (Math.floor(Math.log10(price)) - 5);
        markets.push({
          id: venueMarketId(venue, kind, base, quote),
          symbol: swap ? `${base}/${quote}:${quote}` : `${base}/${quote}`,
          base,
          quote,
          settle: swap ? quote : undefined,
          baseId,
          quoteId: quote,
          settleId: swap ? quote : undefined,
          type: swap ? 'swap' : 'spot',
          spot: !swap,
          margin: false,
          swap,
          future: false,
          option: false,
          active: true,
          contract: swap,
          linear: swap ? true : undefined,
          inverse: swap ? false : undefined,
          contractSize: swap ? 1 : undefined,
          expiry: undefined,
          expiryDatetime: undefined,
          strike: undefined,
          optionType: undefined,
          precision: { amount: 0.0001, price: tick },
          limits: { leverage: {}, amount: {}, price: {}, cost: {} },
          created: undefined,
          info: {},
        });
      }
    }
  }
  return markets;
}
