import { hashString, mulberry32 } from '../../random';

/**
 * The simulated centralised venues and DEX pools behind spreads' sandbox: the seven venues of the spreads config
 * (README "Spreads"), each with a spot and a linear-perpetual market for every symbol, and three DEX pools served as
 * GeckoTerminal's top pools. Prices are a pure function of the seed and the tick (`floor(now / tickMs)`), so every
 * replica polling one simulator (or its own, with the same seed and tick) sees the same market, and the spread
 * events of any time range can be computed (test/support/spread-expectations.ts).
 */
export const SIM_VENUES = ['binance', 'bybit', 'okx', 'gate', 'bitget', 'mexc', 'kucoin'] as const;
export type SimVenue = (typeof SIM_VENUES)[number];

/** Symbols (base, quote) and rough prices of the simulated market (real orders of magnitude). */
export const SIM_SYMBOLS: ReadonlyArray<{ base: string; quote: string; price: number }> = [
  { base: 'BTC', quote: 'USDT', price: 97_000 },
  { base: 'ETH', quote: 'USDT', price: 3_400 },
  { base: 'SOL', quote: 'USDT', price: 190 },
  { base: 'BNB', quote: 'USDT', price: 640 },
  { base: 'XRP', quote: 'USDT', price: 2.2 },
  { base: 'DOGE', quote: 'USDT', price: 0.38 },
  { base: 'ADA', quote: 'USDT', price: 0.95 },
  { base: 'AVAX', quote: 'USDT', price: 38 },
  { base: 'LINK', quote: 'USDT', price: 22 },
  { base: 'ZK', quote: 'USDT', price: 0.0142 },
  { base: 'ARB', quote: 'USDT', price: 0.78 },
  { base: 'OP', quote: 'USDT', price: 1.9 },
];

export interface SimDexPool {
  /** GeckoTerminal network id */
  network: string;
  /** GeckoTerminal dex id */
  dex: string;
  address: string;
  /** pool name as GeckoTerminal writes it, `BASE / QUOTE` (wrapped natives included) */
  name: string;
  base: string;
  liquidityUsd: number;
}

/** DEX pools for a few symbols, quoted in USDT (GeckoTerminal's `/networks/{network}/pools`). */
export const SIM_DEX_POOLS: readonly SimDexPool[] = [
  { network: 'eth', dex: 'uniswap_v3', address: '0x4e68ccd3e89f51c3074ca5072bbac773960dfa36', name: 'WETH / USDT 0.3%', base: 'ETH', liquidityUsd: 68_000_000 },
  { network: 'eth', dex: 'uniswap_v3', address: '0xa6cc3c2531fdaa6ae1a3ca84c2855806728693e8', name: 'LINK / USDT 0.3%', base: 'LINK', liquidityUsd: 4_200_000 },
  { network: 'bsc', dex: 'pancakeswap_v3', address: '0x172fcd41e0913e95784454622d1c3724f546f849', name: 'WBNB / USDT 0.01%', base: 'BNB', liquidityUsd: 31_000_000 },
];

/** The networks whose pools the simulated GeckoTerminal lists. */
export const SIM_DEX_NETWORKS: readonly string[] = [...new Set(SIM_DEX_POOLS.map((pool) => pool.network))];

/** The default tick of the simulated venues: prices change once per tick. */
export const DEFAULT_VENUE_TICK_MS = 1_000;

/** The episode period, in ticks: a divergence is in force for 6 of them, the other 6 are quiet. */
export const SIM_EPISODE_TICKS = 12;
/** Ticks of an episode during which its leg is diverged. */
export const SIM_EPISODE_DIVERGED_TICKS = 6;

export function simulatedTickAt(nowMs: number, tickMs: number): number {
  return Math.floor(nowMs / tickMs);
}

/** One CEX market of the simulated market at one tick. */
export interface SimVenueTicker {
  venue: SimVenue;
  kind: 'spot' | 'futures';
  base: string;
  quote: string;
  price: number;
  bid: number;
  ask: number;
  /** futures only */
  mark?: number;
  /** 24 h volume in the quote currency */
  quoteVolume24h: number;
}

export interface SimPoolPrice {
  pool: SimDexPool;
  priceUsd: number;
}

export interface SimMarketTick {
  tick: number;
  tickers: SimVenueTicker[];
  pools: SimPoolPrice[];
}

/** The leg an episode diverges, by the engine's leg naming: `VENUE:spot|futures`, or a pool's dex id in upper case. */
export interface SimEpisode {
  base: string;
  leg: string;
  pct: number;
}

/**
 * The market at `tick`. Prices wander together (a slow common sine, ±0.1 % noise per leg and tick, ±0.15 % per pool)
 * and, in one episode every `SIM_EPISODE_TICKS`, one leg sits 1.5-4 % away from the others for
 * `SIM_EPISODE_DIVERGED_TICKS` ticks. The divergence is a step, never a ramp: every pair with the diverged leg is
 * clearly above a 1 % open threshold while it lasts and every other pair clearly below a 0.5 % close threshold, so the
 * spreads that open and close do not depend on the order the venues are polled in, or on a poll reading the tick
 * before (one tick of common movement is at most 0.025 %).
 */
export function simulatedMarketAt(seed: number, tick: number): SimMarketTick {
  const tickers: SimVenueTicker[] = [];
  const pools: SimPoolPrice[] = [];
  const episode = simulatedEpisodeAt(seed, tick);
  for (const { base, quote, price: basePrice } of SIM_SYMBOLS) {
    const symbol = `${base}_${quote}`;
    const common = basePrice * (1 + 0.01 * Math.sin((tick + (hashString(symbol) % 97)) / 40));
    const bumpOf = (leg: string) => (episode && episode.base === base && episode.leg === leg ? episode.pct / 100 : 0);
    for (const venue of SIM_VENUES) {
      for (const kind of ['spot', 'futures'] as const) {
        const legKey = `${venue.toUpperCase()}:${kind}`;
        const noise = (mulberry32(hashString(`${seed}|${symbol}|${legKey}|${tick}`))() - 0.5) * 0.002;
        const price = common * (1 + noise + bumpOf(legKey));
        tickers.push({
          venue,
          kind,
          base,
          quote,
          price,
          bid: price * 0.9999,
          ask: price * 1.0001,
          mark: kind === 'futures' ? common * (1 + noise / 2) : undefined,
          quoteVolume24h: 50_000 + (hashString(`${symbol}|${venue}`) % 5_000) * 1_000,
        });
      }
    }
    for (const pool of SIM_DEX_POOLS) {
      if (pool.base !== base) continue;
      const noise = (mulberry32(hashString(`${seed}|${pool.address}|${tick}`))() - 0.5) * 0.003;
      pools.push({ pool, priceUsd: common * (1 + noise + bumpOf(pool.dex.toUpperCase())) });
    }
  }
  return { tick, tickers, pools };
}

/** The divergence in force at `tick`, if any. */
export function simulatedEpisodeAt(seed: number, tick: number): SimEpisode | undefined {
  const index = Math.floor(tick / SIM_EPISODE_TICKS);
  if (tick - index * SIM_EPISODE_TICKS >= SIM_EPISODE_DIVERGED_TICKS) return undefined;
  const random = mulberry32(hashString(`${seed}|episode|${index}`));
  const { base } = SIM_SYMBOLS[Math.floor(random() * SIM_SYMBOLS.length)];
  const pools = SIM_DEX_POOLS.filter((pool) => pool.base === base);
  const legs = [...SIM_VENUES.flatMap((venue) => [`${venue.toUpperCase()}:spot`, `${venue.toUpperCase()}:futures`]), ...pools.map((pool) => pool.dex.toUpperCase())];
  const leg = legs[Math.floor(random() * legs.length)];
  const pct = (1.5 + random() * 2.5) * (random() < 0.5 ? -1 : 1);
  return { base, leg, pct };
}

/** The venues whose WebSocket ticker channels the simulator serves (ccxt.pro `watch*` through `urls.api.ws`). */
export const SIMULATED_WATCH_VENUES: readonly string[] = ['bybit', 'okx'];
