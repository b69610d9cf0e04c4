import { DriftModel } from '../../random';
import {
  CatalogCoin,
  chainShares,
  circulatingUsd,
  DAY_MS,
  dailyPriceUsd,
  dailyUniform,
  livePriceUsd,
  STABLECOIN_CATALOG,
} from './stablecoin-catalog';

/** Fields of the recorded `/stablecoin/1` (USDT) the simulator keeps for every asset's identity. */
export interface RecordedAsset {
  priceSource?: string | null;
  [field: string]: unknown;
}

export interface ChartPointPayload {
  date: string;
  [field: string]: unknown;
}

export interface PricePointPayload {
  date: number;
  prices: Record<string, number | null>;
}

type PegAmounts = Record<string, number>;

const amounts = (pegType: string, value: number): PegAmounts => ({ [pegType]: value });
const round2 = (value: number) => Math.round(value * 100) / 100;

function assetPayload(coin: CatalogCoin, recorded: RecordedAsset, drift: DriftModel, nowMs: number) {
  const at = (tMs: number) => circulatingUsd(coin, drift, tMs);
  const now = at(nowMs);
  const prevDay = at(nowMs - DAY_MS);
  const prevWeek = at(nowMs - 7 * DAY_MS);
  const prevMonth = at(nowMs - 30 * DAY_MS);
  const shares = chainShares(coin).sort((a, b) => b[1] - a[1]);
  const chainCirculating = Object.fromEntries(
    shares.map(([chain, share]) => [
      chain,
      {
        current: amounts(coin.pegType, round2(now * share)),
        circulatingPrevDay: amounts(coin.pegType, round2(prevDay * share)),
        circulatingPrevWeek: amounts(coin.pegType, round2(prevWeek * share)),
        circulatingPrevMonth: amounts(coin.pegType, round2(prevMonth * share)),
      },
    ]),
  );
  return {
    id: coin.id,
    name: coin.name,
    symbol: coin.symbol,
    gecko_id: coin.geckoId,
    pegType: coin.pegType,
    priceSource: recorded.priceSource ?? 'defillama',
    pegMechanism: coin.pegMechanism,
    circulating: amounts(coin.pegType, now),
    circulatingPrevDay: amounts(coin.pegType, prevDay),
    circulatingPrevWeek: amounts(coin.pegType, prevWeek),
    circulatingPrevMonth: amounts(coin.pegType, prevMonth),
    chainCirculating,
    chains: shares.map(([chain]) => chain),
    price: livePriceUsd(coin, drift, nowMs),
  };
}

/**
 * `GET /stablecoins`: every catalog coin in the recorded per-asset shape, supply moving with the seeded drift and
 * trend, split over chains; `chains` totals per chain like `/stablecoinchains`. Sorted by circulating desc, as served.
 */
export function simulateStablecoins(recorded: RecordedAsset, drift: DriftModel, nowMs: number) {
  const peggedAssets = STABLECOIN_CATALOG.map((coin) => assetPayload(coin, recorded, drift, nowMs)).sort(
    (a, b) => Object.values(b.circulating)[0] - Object.values(a.circulating)[0],
  );
  return { peggedAssets, chains: chainTotals(peggedAssets) };
}

/** `GET /stablecoinchains` (and `/stablecoins` → `chains`): circulating USD per chain and peg type. */
export function chainTotals(assets: ReadonlyArray<ReturnType<typeof assetPayload>>): Array<{ gecko_id: null; totalCirculatingUSD: PegAmounts; tokenSymbol: null; name: string }> {
  const totals = new Map<string, PegAmounts>();
  for (const asset of assets) {
    for (const [chain, balances] of Object.entries(asset.chainCirculating)) {
      const chainTotal = totals.get(chain) ?? {};
      for (const [peg, value] of Object.entries(balances.current)) chainTotal[peg] = round2((chainTotal[peg] ?? 0) + value);
      totals.set(chain, chainTotal);
    }
  }
  return [...totals].map(([name, totalCirculatingUSD]) => ({ gecko_id: null, totalCirculatingUSD, tokenSymbol: null, name }));
}

/**
 * Anchors of the synthesised total stablecoin supply (USD): log-linear between them, +0.03 %/day after the last.
 * Round approximations of the public history (the recorded first point only gives the date and the point shape).
 */
const SUPPLY_ANCHORS: ReadonlyArray<[number, number]> = [
  [Date.UTC(2020, 11, 31), 28e9],
  [Date.UTC(2022, 3, 1), 187e9],
  [Date.UTC(2023, 9, 1), 121e9],
  [Date.UTC(2025, 0, 1), 205e9],
  [Date.UTC(2025, 10, 1), 305e9],
];
/** Share of the total that is not USD-pegged (mostly EUR). */
const EUR_SHARE = 0.0015;

export function totalSupplyUsd(seed: number, dayMs: number): number {
  const [firstMs] = SUPPLY_ANCHORS[0];
  let base: number;
  const last = SUPPLY_ANCHORS[SUPPLY_ANCHORS.length - 1];
  if (dayMs >= last[0]) base = last[1] * 1.0003 ** ((dayMs - last[0]) / DAY_MS);
  else {
    const index = Math.max(0, SUPPLY_ANCHORS.findIndex(([ms]) => ms > dayMs) - 1);
    const [fromMs, from] = SUPPLY_ANCHORS[index];
    const [toMs, to] = SUPPLY_ANCHORS[index + 1];
    const t = (Math.max(dayMs, firstMs) - fromMs) / (toMs - fromMs);
    base = from * (to / from) ** t;
  }
  const noise = 0.004 * (2 * dailyUniform(seed, 'defillama.charts.all', Math.floor(dayMs / DAY_MS)) - 1);
  return round2(base * (1 + noise));
}

/**
 * `GET /stablecoincharts/all`: one point per day (00:00 UTC) from the recorded first date to today, in the
 * recorded point's shape, `date` a STRING of seconds as the real API sends it.
 */
export function simulateAllCharts(recordedFirst: ChartPointPayload, seed: number, nowMs: number): ChartPointPayload[] {
  const firstMs = Number(recordedFirst.date) * 1000;
  const todayMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const points: ChartPointPayload[] = [];
  for (let dayMs = firstMs; dayMs <= todayMs; dayMs += DAY_MS) {
    const total = totalSupplyUsd(seed, dayMs);
    const usd = round2(total * (1 - EUR_SHARE));
    const eur = round2(total * EUR_SHARE);
    points.push({
      date: String(dayMs / 1000),
      totalCirculating: { peggedUSD: usd, peggedEUR: round2(eur / 1.08) },
      totalUnreleased: { peggedUSD: 0, peggedEUR: 0 },
      totalCirculatingUSD: { peggedUSD: usd, peggedEUR: eur },
      totalMintedUSD: { peggedUSD: round2(usd * 1.01), peggedEUR: eur },
      totalBridgedToUSD: { peggedUSD: round2(usd * 0.02), peggedEUR: 0 },
    });
  }
  return points;
}

/** How many days of `/stablecoinprices` the simulator serves (the real one goes back to 2020). */
export const PRICE_HISTORY_DAYS = 400;

/**
 * `GET /stablecoinprices`: one point per day ending today (00:00 UTC), keyed by CoinGecko id. Catalog coins trade
 * around their base price with seeded depeg excursions; the other recorded ids keep their recorded price (null stays
 * null) with ±0.2 % noise.
 */
export function simulatePrices(recordedLast: PricePointPayload, seed: number, nowMs: number): PricePointPayload[] {
  const todayIndex = Math.floor(nowMs / DAY_MS);
  const points: PricePointPayload[] = [];
  for (let dayIndex = todayIndex - PRICE_HISTORY_DAYS; dayIndex <= todayIndex; dayIndex++) {
    const prices: Record<string, number | null> = {};
    for (const [geckoId, recordedPrice] of Object.entries(recordedLast.prices)) {
      prices[geckoId] = recordedPrice === null ? null : Math.round(recordedPrice * (1 + 0.002 * (2 * dailyUniform(seed, `daily-price.${geckoId}`, dayIndex) - 1)) * 1e6) / 1e6;
    }
    for (const coin of STABLECOIN_CATALOG) prices[coin.geckoId] = dailyPriceUsd(coin, seed, dayIndex);
    points.push({ date: (dayIndex * DAY_MS) / 1000, prices });
  }
  return points;
}
