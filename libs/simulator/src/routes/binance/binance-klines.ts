import { DriftModel, hashString, mulberry32 } from '../../random';

/** One kline row exactly as Binance sends it (`GET /api/v3/klines`, `GET /fapi/v1/klines`): prices and volumes as strings. */
export type BinanceKlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

export type BinanceMarket = 'spot' | 'futures';

/** Interval name → length in ms. Binance aligns every one of these to the Unix epoch (so `1d` opens at 00:00 UTC). */
export const BINANCE_INTERVAL_MS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};

const BAR_MS = 300_000;

/** Price level, 5-minute quote volume (USDT) per market and taker-buy share of one simulated symbol. */
export interface KlineProfile {
  price: number;
  spotQuote5m: number;
  /** absent: the symbol has no USD-M perpetual (futures answers "Invalid symbol") */
  futuresQuote5m?: number;
  takerBuyShare: number;
  /** quote volume per trade, for `numberOfTrades` */
  tradeSize: number;
}

/**
 * Levels of the simulated symbols. BTC's futures volume, taker-buy share and trade size come from the recorded
 * `fapi-v1-klines-BTCUSDT-5m-2rows.json` (see `profileFromRecording`); the others are scaled by rough market share.
 */
export function buildKlineProfiles(recordedBtcFutures: readonly BinanceKlineRow[]): Record<string, KlineProfile> {
  const btc = profileFromRecording(recordedBtcFutures);
  const scaled = (price: number, share: number, hasFutures = true): KlineProfile => ({
    price,
    spotQuote5m: btc.spotQuote5m * share,
    futuresQuote5m: hasFutures ? btc.futuresQuote5m! * share : undefined,
    takerBuyShare: btc.takerBuyShare,
    tradeSize: btc.tradeSize,
  });
  return {
    BTCUSDT: btc,
    ETHUSDT: scaled(3_200, 0.45),
    BNBUSDT: scaled(620, 0.05),
    SOLUSDT: scaled(180, 0.12),
    XRPUSDT: scaled(2.3, 0.1),
    DOGEUSDT: scaled(0.21, 0.06),
    ADAUSDT: scaled(0.72, 0.03),
    TRXUSDT: scaled(0.27, 0.01),
    AVAXUSDT: scaled(28, 0.02),
    LINKUSDT: scaled(17, 0.02),
    // a spot-only listing, so a token without a perpetual exists in the sandbox
    FDUSDUSDT: scaled(1, 0.04, false),
  };
}

function profileFromRecording(rows: readonly BinanceKlineRow[]): KlineProfile {
  const quote = rows.reduce((sum, row) => sum + Number(row[7]), 0);
  const takerBuy = rows.reduce((sum, row) => sum + Number(row[10]), 0);
  const trades = rows.reduce((sum, row) => sum + row[8], 0);
  const futuresQuote5m = quote / rows.length;
  return {
    price: Number(rows[rows.length - 1][4]),
    futuresQuote5m,
    // spot BTC/USDT trades roughly a third of the perpetual's volume
    spotQuote5m: futuresQuote5m / 3,
    takerBuyShare: takerBuy / quote,
    tradeSize: quote / trades,
  };
}

interface Bar5m {
  open: number;
  close: number;
  high: number;
  low: number;
  /** quote and taker-buy quote volume in cents: sums of bars stay exact */
  quoteCents: number;
  takerBuyCents: number;
  trades: number;
}

const HOUR_MS = 3_600_000;
const EMPTY_BAR: Bar5m = { open: 0, close: 0, high: -Infinity, low: Infinity, quoteCents: 0, takerBuyCents: 0, trades: 0 };

/** Two consecutive spans as one: open of the first, close of the second; sums stay exact (cents and counts). */
function mergeBars(first: Bar5m, second: Bar5m): Bar5m {
  return {
    open: first.open,
    close: second.close,
    high: Math.max(first.high, second.high),
    low: Math.min(first.low, second.low),
    quoteCents: first.quoteCents + second.quoteCents,
    takerBuyCents: first.takerBuyCents + second.takerBuyCents,
    trades: first.trades + second.trades,
  };
}

/**
 * Deterministic 5-minute bars per (seed, market, symbol, openTime), and longer intervals as exact sums of them,
 * so a 1h kline always equals its twelve 5m klines, as on the real exchange.
 */
export class KlineGenerator {
  constructor(
    private readonly drift: DriftModel,
    private readonly profiles: Readonly<Record<string, KlineProfile>>,
  ) {}

  hasSymbol(market: BinanceMarket, symbol: string): boolean {
    const profile = this.profiles[symbol];
    return profile !== undefined && (market === 'spot' || profile.futuresQuote5m !== undefined);
  }

  /** The kline opening at `openTime` (aligned to `intervalMs`); the bar still open at `nowMs` holds only what has traded. */
  kline(market: BinanceMarket, symbol: string, intervalMs: number, openTime: number, nowMs: number): BinanceKlineRow {
    const merged = this.span(market, symbol, openTime, intervalMs, nowMs);
    let { open, close, high, low } = merged;
    const { quoteCents, takerBuyCents, trades } = merged;
    if (quoteCents === 0 && trades === 0) high = low = open = close = this.price(market, symbol, openTime);
    const avgPrice = (high + low) / 2;
    return [
      openTime,
      fixed(open, 2),
      fixed(high, 2),
      fixed(low, 2),
      fixed(close, 2),
      fixed(quoteCents / 100 / avgPrice, 3),
      openTime + intervalMs - 1,
      cents(quoteCents),
      trades,
      fixed(takerBuyCents / 100 / avgPrice, 3),
      cents(takerBuyCents),
      '0',
    ];
  }

  /**
   * The bars of [start, start + spanMs) opened by `nowMs`, merged: whole hours first summed from their twelve bars,
   * which is how a longer kline equals its hourly ones. Nothing is memoised: a bar is a few arithmetic operations, and
   * a memo of closed bars and hours sized for a full backfill (~72,000 entries) held ~19 MB of the sandbox gateway's
   * heap for its whole life while saving nothing measurable (seven windows of three symbols, cold: 240 ms with it,
   * 222 ms without).
   */
  private span(market: BinanceMarket, symbol: string, start: number, spanMs: number, nowMs: number): Bar5m {
    const step = spanMs > HOUR_MS && spanMs % HOUR_MS === 0 && start % HOUR_MS === 0 ? HOUR_MS : BAR_MS;
    let merged: Bar5m | undefined;
    for (let at = start; at < start + spanMs && at <= nowMs; at += step) {
      const part = step === HOUR_MS ? this.span(market, symbol, at, HOUR_MS, nowMs) : this.makeBar(market, symbol, at, Math.min(1, (nowMs - at) / BAR_MS));
      merged = merged ? mergeBars(merged, part) : part;
    }
    return merged ?? EMPTY_BAR;
  }

  private makeBar(market: BinanceMarket, symbol: string, openTime: number, elapsed: number): Bar5m {
    const profile = this.profiles[symbol];
    const key = this.keyHash(`${market}:${symbol}`);
    const bar = openTime / BAR_MS;
    const base = market === 'spot' ? profile.spotQuote5m : profile.futuresQuote5m!;
    // a slow activity cycle (hours) plus per-bar noise
    const activity = 1 + 0.35 * Math.sin((2 * Math.PI * openTime) / 21_600_000 + (key % 628) / 100) + 0.3 * unit(key, bar, 1);
    const quoteCents = Math.round(base * activity * 100 * elapsed);
    // around the recorded share (≈ 0.5), with a slow drift: windows of net buying and of net selling alternate
    const tilt = 0.04 * Math.sin((2 * Math.PI * openTime) / 14_400_000 + (key % 314) / 50) + 0.04 * unit(key, bar, 2);
    const share = Math.min(0.95, Math.max(0.05, profile.takerBuyShare + tilt));
    const open = this.price(market, symbol, openTime);
    const close = this.price(market, symbol, openTime + BAR_MS);
    const wick = 1 + 0.0015 * Math.abs(unit(key, bar, 3));
    return {
      open,
      close,
      high: Math.max(open, close) * wick,
      low: Math.min(open, close) / wick,
      quoteCents,
      takerBuyCents: Math.round(quoteCents * share),
      trades: Math.round(quoteCents / 100 / profile.tradeSize),
    };
  }

  private price(market: BinanceMarket, symbol: string, atMs: number): number {
    // spot and the perpetual share one smooth price path (the basis is not what this simulates)
    const phase = (this.keyHash(symbol) % 1000) / 159;
    const wave = 0.03 * Math.sin((2 * Math.PI * atMs) / 86_400_000 / 3 + phase) + 0.01 * Math.sin((2 * Math.PI * atMs) / 7_200_000 + 2 * phase);
    return this.profiles[symbol].price * (1 + wave) * (market === 'futures' ? 1.0002 : 1);
  }

  private keyHash(key: string): number {
    let hash = this.hashes.get(key);
    if (hash === undefined) this.hashes.set(key, (hash = hashString(`${this.drift.seed}|${key}`)));
    return hash;
  }

  private readonly hashes = new Map<string, number>();
}

/** Uniform in [-1, 1) for (key, bar, stream): numeric mixing only, cheap enough for 100 days of 5-minute bars. */
function unit(keyHash: number, bar: number, stream: number): number {
  return mulberry32((keyHash ^ Math.imul(bar | 0, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b)) >>> 0)() * 2 - 1;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function cents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

export interface KlineQuery {
  intervalMs: number;
  startTime?: number;
  endTime?: number;
  limit: number;
}

/** The open times Binance answers for a query: from `startTime` (or back from `endTime`/now), at most `limit`, none after now. */
export function klineOpenTimes(query: KlineQuery, nowMs: number): number[] {
  const { intervalMs, limit } = query;
  const lastOpen = Math.floor(Math.min(nowMs, query.endTime ?? nowMs) / intervalMs) * intervalMs;
  const times: number[] = [];
  if (query.startTime !== undefined) {
    for (let open = Math.ceil(query.startTime / intervalMs) * intervalMs; open <= lastOpen && times.length < limit; open += intervalMs) times.push(open);
    return times;
  }
  for (let open = lastOpen; times.length < limit; open -= intervalMs) times.unshift(open);
  return times;
}
