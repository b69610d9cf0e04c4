import { DriftModel } from '../../random';

/** One row of the recorded `GET /futures/v1/historical/hours` (fixture `coindesk/futures-historical-hours.json`). */
export interface FuturesHourRow {
  UNIT: string;
  TIMESTAMP: number;
  TYPE: string;
  MARKET: string;
  INSTRUMENT: string;
  MAPPED_INSTRUMENT: string;
  INDEX_UNDERLYING: string;
  QUOTE_CURRENCY: string;
  SETTLEMENT_CURRENCY: string;
  CONTRACT_CURRENCY: string;
  DENOMINATION_TYPE: string;
  OPEN: number;
  HIGH: number;
  LOW: number;
  CLOSE: number;
  VOLUME: number;
  QUOTE_VOLUME: number;
  VOLUME_BUY: number;
  QUOTE_VOLUME_BUY: number;
  VOLUME_SELL: number;
  QUOTE_VOLUME_SELL: number;
  TOTAL_TRADES: number;
  LAST_TRADE_TIMESTAMP: number;
  [field: string]: unknown;
}

export type FuturesTick = Record<string, string | number>;

/** A BTC perpetual the simulated CoinDesk lists: exchange-native name, CoinDesk's mapped name, contract terms. */
export interface SimulatedPerpetual {
  market: string;
  /** the exchange's own name (`XBTUSD`, `BTC-PERPETUAL`, ...) */
  instrument: string;
  /** CoinDesk's mapped name (`BTC-USDT-VANILLA-PERPETUAL`, `BTC-USD-INVERSE-PERPETUAL`) */
  mapped: string;
  denomination: 'VANILLA' | 'INVERSE';
  /** 24 h quote volume relative to the recorded Binance BTCUSDT hour × 24 (invented, plausible market shares) */
  volumeShare: number;
}

const vanilla = (market: string, instrument: string, volumeShare: number): SimulatedPerpetual => ({
  market,
  instrument,
  mapped: 'BTC-USDT-VANILLA-PERPETUAL',
  denomination: 'VANILLA',
  volumeShare,
});
const inverse = (market: string, instrument: string, volumeShare: number): SimulatedPerpetual => ({
  market,
  instrument,
  mapped: 'BTC-USD-INVERSE-PERPETUAL',
  denomination: 'INVERSE',
  volumeShare,
});

/**
 * The instruments the simulator answers for. Binance `BTCUSDT` ↔ `BTC-USDT-VANILLA-PERPETUAL` and Binance/Bybit inverse
 * names are recorded mappings; the others follow the same pattern (unconfirmed upstream, see upstreams.md C1).
 */
export const SIMULATED_PERPETUALS: readonly SimulatedPerpetual[] = [
  vanilla('binance', 'BTCUSDT', 1),
  inverse('binance', 'BTCUSD_PERP', 0.12),
  vanilla('bybit', 'BTCUSDT', 0.55),
  inverse('bybit', 'BTCUSD', 0.08),
  vanilla('okex', 'BTC-USDT-SWAP', 0.3),
  inverse('okex', 'BTC-USD-SWAP', 0.06),
  inverse('deribit', 'BTC-PERPETUAL', 0.07),
  inverse('bitmex', 'XBTUSD', 0.04),
];

export const SIMULATED_FUTURES_MARKETS: readonly string[] = [...new Set(SIMULATED_PERPETUALS.map((perp) => perp.market))];

/** How far simulated futures values move away from their base (relative). */
export const COINDESK_DRIFT = { price: 0.03, quoteVolume: 0.15 } as const;

/** `groups` of the latest-tick endpoint → the fields each one carries (TYPE always comes along). */
export const TICK_GROUPS: Readonly<Record<string, readonly string[]>> = {
  ID: ['MARKET', 'INSTRUMENT'],
  MAPPING: ['MAPPED_INSTRUMENT', 'INDEX_UNDERLYING', 'QUOTE_CURRENCY', 'SETTLEMENT_CURRENCY', 'CONTRACT_CURRENCY', 'DENOMINATION_TYPE'],
  VALUE: ['PRICE', 'PRICE_FLAG'],
  LAST_UPDATE: ['PRICE_LAST_UPDATE_TS', 'CCSEQ'],
  CURRENT_HOUR: ['CURRENT_HOUR_'],
  MOVING_24_HOUR: ['MOVING_24_HOUR_'],
};

/**
 * Finds a requested instrument. `CHECK_MAPPED_FIRST` (CoinDesk's default) looks at mapped names first, then at the
 * exchange's own; `CHECK_UNMAPPED_FIRST` the other way round.
 */
export function findPerpetual(market: string, requested: string, mappingPriority: string): SimulatedPerpetual | undefined {
  const inMarket = SIMULATED_PERPETUALS.filter((perp) => perp.market === market);
  const byMapped = inMarket.find((perp) => perp.mapped === requested);
  const byNative = inMarket.find((perp) => perp.instrument === requested);
  return mappingPriority === 'CHECK_UNMAPPED_FIRST' ? (byNative ?? byMapped) : (byMapped ?? byNative);
}

/**
 * SYNTHESISED (no futures latest tick was ever recorded): a tick for one perpetual built from the recorded Binance
 * BTCUSDT hour rows. Price = the recorded close moved by one market-wide drift; 24 h quote volume = the recorded full
 * hour × 24 × the market's share, moved by its own drift; buy/sell and trade counts keep the recorded hour's ratios.
 * Base volume is in the contract currency: BTC for vanilla, USD for inverse (where it equals the quote volume).
 */
export function simulateFuturesTick(hours: readonly FuturesHourRow[], perp: SimulatedPerpetual, drift: DriftModel, nowMs: number): FuturesTick {
  const fullHour = hours[0];
  const lastHour = hours[hours.length - 1];
  const price = round(lastHour.CLOSE * drift.factor('coindesk.futures.btc.price', nowMs, COINDESK_DRIFT.price), 1);
  const quoteVolume = round(
    fullHour.QUOTE_VOLUME * 24 * perp.volumeShare * drift.factor(`coindesk.futures.${perp.market}.${perp.instrument}.quote_volume`, nowMs, COINDESK_DRIFT.quoteVolume),
    4,
  );
  const buyShare = fullHour.QUOTE_VOLUME_BUY / fullHour.QUOTE_VOLUME;
  const inBase = (quote: number) => (perp.denomination === 'VANILLA' ? round(quote / price, 3) : quote);
  const nowSeconds = Math.floor(nowMs / 1000);
  const quoteCurrency = perp.denomination === 'VANILLA' ? 'USDT' : 'USD';
  const hourScale = price / lastHour.CLOSE;
  return {
    TYPE: '1952',
    MARKET: perp.market,
    INSTRUMENT: perp.instrument,
    MAPPED_INSTRUMENT: perp.mapped,
    INDEX_UNDERLYING: 'BTC',
    QUOTE_CURRENCY: quoteCurrency,
    SETTLEMENT_CURRENCY: perp.denomination === 'VANILLA' ? 'USDT' : 'BTC',
    CONTRACT_CURRENCY: perp.denomination === 'VANILLA' ? 'BTC' : 'USD',
    DENOMINATION_TYPE: perp.denomination,
    CCSEQ: Math.floor(nowMs / 250),
    PRICE: price,
    PRICE_FLAG: price >= lastHour.CLOSE ? 'UP' : 'DOWN',
    PRICE_LAST_UPDATE_TS: nowSeconds,
    CURRENT_HOUR_VOLUME: inBase(round(lastHour.QUOTE_VOLUME * perp.volumeShare, 4)),
    CURRENT_HOUR_QUOTE_VOLUME: round(lastHour.QUOTE_VOLUME * perp.volumeShare, 4),
    CURRENT_HOUR_OPEN: round(lastHour.OPEN * hourScale, 1),
    CURRENT_HOUR_HIGH: round(lastHour.HIGH * hourScale, 1),
    CURRENT_HOUR_LOW: round(lastHour.LOW * hourScale, 1),
    CURRENT_HOUR_TOTAL_TRADES: Math.round(lastHour.TOTAL_TRADES * perp.volumeShare),
    MOVING_24_HOUR_VOLUME: inBase(quoteVolume),
    MOVING_24_HOUR_VOLUME_BUY: inBase(round(quoteVolume * buyShare, 4)),
    MOVING_24_HOUR_VOLUME_SELL: inBase(round(quoteVolume * (1 - buyShare), 4)),
    MOVING_24_HOUR_QUOTE_VOLUME: quoteVolume,
    MOVING_24_HOUR_QUOTE_VOLUME_BUY: round(quoteVolume * buyShare, 4),
    MOVING_24_HOUR_QUOTE_VOLUME_SELL: round(quoteVolume * (1 - buyShare), 4),
    MOVING_24_HOUR_OPEN: round(fullHour.OPEN * hourScale, 1),
    MOVING_24_HOUR_HIGH: round(Math.max(fullHour.HIGH, lastHour.HIGH) * hourScale, 1),
    MOVING_24_HOUR_LOW: round(Math.min(fullHour.LOW, lastHour.LOW) * hourScale, 1),
    MOVING_24_HOUR_TOTAL_TRADES: Math.round(fullHour.TOTAL_TRADES * 24 * perp.volumeShare),
    MOVING_24_HOUR_CHANGE: round(price - fullHour.OPEN * hourScale, 1),
    MOVING_24_HOUR_CHANGE_PERCENTAGE: round(((price - fullHour.OPEN * hourScale) / (fullHour.OPEN * hourScale)) * 100, 6),
  };
}

/** Keeps TYPE and the fields of the requested groups. */
export function pickGroups(tick: FuturesTick, groups: readonly string[]): FuturesTick {
  const prefixes = groups.flatMap((group) => TICK_GROUPS[group] ?? []);
  return Object.fromEntries(Object.entries(tick).filter(([field]) => field === 'TYPE' || prefixes.some((prefix) => field === prefix || (prefix.endsWith('_') && field.startsWith(prefix)))));
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
