import { DriftModel } from '../../random';
import { shiftSeries, shiftToEndDelta, unixMsPairTime } from '../../time-series';
import { CatalogCoin, circulatingUsd, DAY_MS, livePriceUsd, STABLECOIN_CATALOG, catalogByGeckoId } from '../defillama/stablecoin-catalog';

/** A recorded `/coins/markets` row (fixtures `coins-markets-stablecoin-items.json`, `coins-markets-top-item.json`). */
export interface MarketRowPayload {
  id: string;
  symbol: string;
  name: string;
  image: string;
  current_price: number | null;
  market_cap: number | null;
  [field: string]: unknown;
}

export type MarketChartPayload = Record<'prices' | 'market_caps' | 'total_volumes', Array<[number, number]>>;

/** USD → `vs` rate implied by the recorded `/global` totals (same market, two currencies); undefined when unknown. */
export function vsRate(totalMarketCap: Record<string, number>, vs: string): number | undefined {
  const usd = totalMarketCap.usd;
  const other = totalMarketCap[vs.toLowerCase()];
  return usd && other ? other / usd : undefined;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

function stablecoinRow(coin: CatalogCoin, template: MarketRowPayload, drift: DriftModel, nowMs: number, rate: number): MarketRowPayload {
  const price = livePriceUsd(coin, drift, nowMs) * rate;
  const dayAgo = livePriceUsd(coin, drift, nowMs - DAY_MS) * rate;
  const marketCap = circulatingUsd(coin, drift, nowMs) * rate;
  const marketCapDayAgo = circulatingUsd(coin, drift, nowMs - DAY_MS) * rate;
  const supply = circulatingUsd(coin, drift, nowMs) / livePriceUsd(coin, drift, nowMs);
  return {
    ...template,
    id: coin.geckoId,
    symbol: coin.symbol.toLowerCase(),
    name: coin.name,
    image: coin.image,
    current_price: round(price, 6),
    market_cap: Math.round(marketCap),
    fully_diluted_valuation: Math.round(marketCap),
    total_volume: Math.round(marketCap * 0.05 * drift.factor(`coingecko.volume.${coin.geckoId}`, nowMs, 0.3)),
    high_24h: round(Math.max(price, dayAgo) * 1.002, 6),
    low_24h: round(Math.min(price, dayAgo) * 0.998, 6),
    price_change_24h: round(price - dayAgo, 8),
    price_change_percentage_24h: round(((price - dayAgo) / dayAgo) * 100, 5),
    market_cap_change_24h: round(marketCap - marketCapDayAgo, 2),
    market_cap_change_percentage_24h: round(((marketCap - marketCapDayAgo) / marketCapDayAgo) * 100, 5),
    circulating_supply: round(supply, 4),
    total_supply: round(supply, 4),
    last_updated: new Date(nowMs).toISOString(),
  };
}

/**
 * `GET /coins/markets?category=stablecoins`: one row per catalog coin, in the recorded row shape (the recorded row
 * where there is one — tether, usd-coin, binance-usd, dai — else dai's as the template), prices and caps consistent
 * with the simulated DefiLlama data, converted to `vs`, ranked by market cap.
 */
export function simulateStablecoinMarkets(recordedRows: readonly MarketRowPayload[], drift: DriftModel, nowMs: number, rate: number): MarketRowPayload[] {
  const fallback = recordedRows.find((row) => row.id === 'dai') ?? recordedRows[0];
  const rows = STABLECOIN_CATALOG.map((coin) => stablecoinRow(coin, recordedRows.find((row) => row.id === coin.geckoId) ?? fallback, drift, nowMs, rate));
  rows.sort((a, b) => (b.market_cap ?? 0) - (a.market_cap ?? 0));
  // ranks among all coins: stablecoins sit below the top few; the recorded 2023 ranks are a fair spread
  return rows.map((row, index) => ({ ...row, market_cap_rank: 3 + index * 4 }));
}

/** CoinGecko's automatic granularity: 1 day → 5-minutely, up to 90 days → hourly, beyond → daily. */
export function chartStepMs(days: number): number {
  return days <= 1 ? 5 * 60_000 : days <= 90 ? 3_600_000 : DAY_MS;
}

/**
 * `GET /coins/{id}/market_chart` for a catalog stablecoin: points every `chartStepMs(days)` back from now (the last
 * point is now, unaligned, as CoinGecko serves it), price = the coin's live price at that time (so the last point
 * equals `/coins/markets` and DefiLlama's `price`), caps and volumes alongside.
 */
export function simulateStablecoinChart(coin: CatalogCoin, drift: DriftModel, nowMs: number, days: number, rate: number): MarketChartPayload {
  const stepMs = chartStepMs(days);
  const count = Math.floor((days * DAY_MS) / stepMs);
  const prices: Array<[number, number]> = [];
  const caps: Array<[number, number]> = [];
  const volumes: Array<[number, number]> = [];
  for (let i = count; i >= 0; i--) {
    const t = nowMs - i * stepMs;
    const cap = circulatingUsd(coin, drift, t) * rate;
    prices.push([t, round(livePriceUsd(coin, drift, t) * rate, 6)]);
    caps.push([t, round(cap, 2)]);
    volumes.push([t, round(cap * 0.05 * drift.factor(`coingecko.volume.${coin.geckoId}`, t, 0.3), 2)]);
  }
  return { prices, market_caps: caps, total_volumes: volumes };
}

/** Bitcoin's recorded hourly chart shifted to end now, cut to the last `days` days (the recording holds 7). */
export function simulateRecordedChart(recorded: MarketChartPayload, nowMs: number, days: number): MarketChartPayload {
  // one delta for the three sibling series keeps them aligned
  const delta = shiftToEndDelta(recorded.prices[recorded.prices.length - 1]?.[0] ?? nowMs, nowMs);
  const since = nowMs - days * DAY_MS;
  const shift = (series: Array<[number, number]>) => shiftSeries(series, delta, unixMsPairTime).filter(([t]) => t >= since);
  return { prices: shift(recorded.prices), market_caps: shift(recorded.market_caps), total_volumes: shift(recorded.total_volumes) };
}

export { catalogByGeckoId };
