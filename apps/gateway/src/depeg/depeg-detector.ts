import type { DefiLlamaPeggedAsset, DefiLlamaPricePoint } from '@app/upstream';
import { roundTo } from '@app/query';

/** One row of `ws/event_logs`. */
export interface DepegEvent {
  /** unix seconds: when the episode started */
  timestamp: number;
  /** symbol, e.g. USDT */
  stablecoin: string;
  /** DefiLlama asset id: the identity events are de-duplicated on (symbols are not unique) */
  stablecoin_id: string;
  name: string;
  /** USD price: the live one (current) or the furthest from the peg during the episode (historical) */
  price: number;
  /** USD value of one unit of the peg at that time */
  target_peg: number;
  /** |price − target_peg| in USD, 6 decimals */
  depeg_depth: number;
  /** depeg_depth / target_peg × 100, 2 decimals */
  depeg_percentage: number;
  /** circulating supply in USD of the peg type (DefiLlama `circulating[peg_type]`, live) */
  volume: number;
  severity_score: number;
  /** minutes */
  duration: number;
  logo: string | null;
  peg_type: string;
  event_type: 'current' | 'historical';
}

export interface DetectionInput {
  /** `/stablecoins` assets (live prices and identities); undefined when DefiLlama's list failed */
  assets?: readonly DefiLlamaPeggedAsset[];
  /** `/stablecoinprices` daily history; undefined when it failed */
  prices?: readonly DefiLlamaPricePoint[];
  /** CoinGecko id → logo URL */
  logos?: ReadonlyMap<string, string>;
  threshold: number;
  pegType: string;
  daysBack: number;
  /** unix seconds */
  now: number;
  /** DefiLlama id → start (unix s) of a live episode already recorded and still open */
  openEpisodes?: ReadonlyMap<string, number>;
}

const DAY_SECONDS = 86_400;
const MINUTES_PER_DAY = 1_440;

/**
 * severity_score = depeg_percentage × log10(1 + volume) × (1 + log10(1 + duration / 60)), 2 decimals
 * (duration in minutes, volume in USD): deeper, bigger and longer depegs score higher, size and duration with
 * diminishing returns. E.g. 1.80 % on 83 bn USD for 60 min → 1.8 × 10.919 × 1.301 = 25.57.
 */
export function severityScore(depegPercentage: number, volumeUsd: number, durationMinutes: number): number {
  return roundTo(depegPercentage * Math.log10(1 + Math.max(volumeUsd, 0)) * (1 + Math.log10(1 + Math.max(durationMinutes, 0) / 60)), 2);
}

/** USD value of the peg: 1 for peggedUSD; otherwise the median USD price of the peg type's coins (the market's rate). */
export function targetPeg(pegType: string, peerPrices: readonly number[]): number | undefined {
  if (pegType === 'peggedUSD') return 1;
  const sorted = peerPrices.filter((price) => Number.isFinite(price) && price > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Relative distance from the peg. */
export function deviation(price: number, target: number): number {
  return Math.abs(price - target) / target;
}

interface Identity {
  asset: DefiLlamaPeggedAsset;
  geckoId?: string;
  volume: number;
  logo: string | null;
}

function buildEvent(identity: Identity, price: number, target: number, timestamp: number, duration: number, pegType: string, eventType: DepegEvent['event_type']): DepegEvent {
  const depth = Math.abs(price - target);
  const percentage = roundTo((depth / target) * 100, 2);
  return {
    timestamp,
    stablecoin: identity.asset.symbol,
    stablecoin_id: identity.asset.id,
    name: identity.asset.name,
    price,
    target_peg: roundTo(target, 6),
    depeg_depth: roundTo(depth, 6),
    depeg_percentage: percentage,
    volume: identity.volume,
    severity_score: severityScore((depth / target) * 100, identity.volume, duration),
    duration,
    logo: identity.logo,
    peg_type: pegType,
    event_type: eventType,
  };
}

/** A maximal run of consecutive daily points beyond the threshold. */
interface Run {
  start: number;
  /** date of the last point in the run */
  last: number;
  worstPrice: number;
  worstTarget: number;
}

/**
 * Runs of one coin over the daily history. A day without a price for the coin (null or absent) ends a run.
 * Each day's target is `targetPeg` over that day's prices of the peg type's coins.
 */
function dailyRuns(geckoId: string, points: readonly DefiLlamaPricePoint[], targets: ReadonlyMap<number, number>, threshold: number): Run[] {
  const runs: Run[] = [];
  let open: Run | undefined;
  for (const point of points) {
    const price = point.prices[geckoId];
    const target = targets.get(point.date);
    const beyond = typeof price === 'number' && price > 0 && target !== undefined && deviation(price, target) > threshold;
    if (!beyond) {
      open = undefined;
      continue;
    }
    if (!open) {
      open = { start: point.date, last: point.date, worstPrice: price, worstTarget: target };
      runs.push(open);
    } else {
      open.last = point.date;
      if (deviation(price, target) > deviation(open.worstPrice, open.worstTarget)) {
        open.worstPrice = price;
        open.worstTarget = target;
      }
    }
  }
  return runs;
}

/**
 * Depeg events of `pegType` beyond `threshold` (relative: |price − peg| / peg > threshold).
 *
 * - historical: from `/stablecoinprices` (one price per day). An episode is a run of consecutive days beyond the
 *   threshold; timestamp = its first day; duration = days × 1440 min; price/depth = the day furthest from the peg.
 *   Shown when it overlaps the last `daysBack` days (its last day + 1 day ≥ now − daysBack).
 * - current: from the live `/stablecoins` price. timestamp = the start of the episode: the one already recorded and
 *   still open, else the start of the daily run still going on the latest day of the history, else now;
 *   duration = now − timestamp in minutes.
 *
 * Deprecated or delisted assets and assets of other peg types are ignored. Result: de-duplicated and sorted
 * (see `mergeDepegEvents`).
 */
export function detectDepegEvents(input: DetectionInput): DepegEvent[] {
  const { threshold, pegType, now } = input;
  const assets = (input.assets ?? []).filter((asset) => asset.pegType === pegType && !asset.deprecated && !asset.delisted);
  const identities = assets.map<Identity>((asset) => ({
    asset,
    geckoId: asset.gecko_id ?? undefined,
    volume: roundTo(Number(asset.circulating?.[pegType] ?? 0) || 0, 2),
    logo: (asset.gecko_id && input.logos?.get(asset.gecko_id)) || null,
  }));
  const windowStart = now - input.daysBack * DAY_SECONDS;
  const events: DepegEvent[] = [];

  const points = input.prices ?? [];
  const geckoIds = identities.flatMap((identity) => (identity.geckoId ? [identity.geckoId] : []));
  const targets = new Map<number, number>();
  for (const point of points) {
    const target = targetPeg(pegType, geckoIds.map((id) => point.prices[id]).filter((price): price is number => typeof price === 'number'));
    if (target !== undefined) targets.set(point.date, target);
  }
  const latestDay = points.length > 0 ? points[points.length - 1].date : undefined;
  const ongoingRunStart = new Map<string, number>();
  for (const identity of identities) {
    if (!identity.geckoId) continue;
    for (const run of dailyRuns(identity.geckoId, points, targets, threshold)) {
      if (run.last === latestDay) ongoingRunStart.set(identity.asset.id, run.start);
      if (run.last + DAY_SECONDS < windowStart) continue;
      const days = (run.last - run.start) / DAY_SECONDS + 1;
      events.push(buildEvent(identity, run.worstPrice, run.worstTarget, run.start, days * MINUTES_PER_DAY, pegType, 'historical'));
    }
  }

  const liveTarget = targetPeg(pegType, identities.map((identity) => identity.asset.price).filter((price): price is number => typeof price === 'number'));
  if (liveTarget !== undefined) {
    for (const identity of identities) {
      const price = identity.asset.price;
      if (typeof price !== 'number' || !(price > 0) || deviation(price, liveTarget) <= threshold) continue;
      const start = input.openEpisodes?.get(identity.asset.id) ?? ongoingRunStart.get(identity.asset.id) ?? now;
      events.push(buildEvent(identity, price, liveTarget, start, Math.max(0, Math.floor((now - start) / 60)), pegType, 'current'));
    }
  }
  return mergeDepegEvents([events]);
}

const PRECEDENCE: Record<DepegEvent['event_type'], number> = { current: 0, historical: 1 };

/**
 * De-duplicates by (stablecoin id, timestamp) — a current event wins over a historical one, and among equals the
 * earlier list wins (pass fresh detections before stored ones) — then sorts by timestamp, newest first, then by
 * severity_score, highest first.
 */
export function mergeDepegEvents(lists: ReadonlyArray<readonly DepegEvent[]>): DepegEvent[] {
  const byKey = new Map<string, DepegEvent>();
  for (const list of lists) {
    for (const event of list) {
      const key = `${event.stablecoin_id}|${event.timestamp}`;
      const kept = byKey.get(key);
      if (!kept || PRECEDENCE[event.event_type] < PRECEDENCE[kept.event_type]) byKey.set(key, event);
    }
  }
  return [...byKey.values()].sort((a, b) => b.timestamp - a.timestamp || b.severity_score - a.severity_score);
}
