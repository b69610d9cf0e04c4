import { formatAmount, maxAmount } from './flow-decimal';
import { FlowMarket, FlowPoint, PointSeries } from './point-series';
import { TrackedToken } from './tracked-tokens';
import { floorToStep, STAT_WINDOWS, StatWindow } from './windows';

/** One row of `spotGoodsList` / `contractList`, serialised as the seed's table says. */
export interface SnapshotWindowItem {
  timeRange: string;
  timeParticleEnum: number;
  tradeInflow: string;
  tradeAmount: string;
}

/** `data` of `getCoinTradeSnapshot`. */
export interface CoinTradeSnapshot {
  updateTime: number;
  vsTokenId: string;
  symbol: string;
  name: string;
  hasSpotGoods: boolean;
  /** max net inflow across the spot windows served; "0" when none is served (the seed types it a string, never null) */
  spotMaxInflow: string;
  spotGoodsList: SnapshotWindowItem[];
  hasContract: boolean;
  contractMaxInflow: string;
  contractList: SnapshotWindowItem[];
}

/** Where the snapshot finds a window's series (absent = no point yet). */
export type SeriesLookup = (market: FlowMarket, window: StatWindow) => PointSeries | undefined;

interface Served {
  window: StatWindow;
  point: FlowPoint;
}

/**
 * The snapshot of `token` at `dateMs` (seed 002 semantics):
 * - the instant is `dateMs` floored to 5 minutes;
 * - each window serves its latest point at or before the instant, or its oldest retained point when the instant is
 *   older than its retention; a window without any point is left out;
 * - `xxxMaxInflow` = the largest `tradeInflow` among that market's served windows, "0" when it serves none;
 * - `updateTime` = the instant the snapshot stands for: the newest served point at or before the asked instant
 *   (= the floored date whenever m5 has it); when every served point is a boundary after it, the earliest of them.
 */
export function buildSnapshot(token: TrackedToken, dateMs: number, seriesOf: SeriesLookup): CoinTradeSnapshot {
  const instant = floorToStep(dateMs);
  const spot = token.spotPair ? serve('spot', instant, seriesOf) : [];
  const contract = token.futuresPair ? serve('contract', instant, seriesOf) : [];
  return {
    updateTime: updateTimeOf([...spot, ...contract], instant),
    vsTokenId: String(token.vsTokenId),
    symbol: token.symbol,
    name: token.name,
    hasSpotGoods: token.spotPair !== undefined,
    spotMaxInflow: maxInflowOf(spot),
    spotGoodsList: spot.map(toItem),
    hasContract: token.futuresPair !== undefined,
    contractMaxInflow: maxInflowOf(contract),
    contractList: contract.map(toItem),
  };
}

function serve(market: FlowMarket, instant: number, seriesOf: SeriesLookup): Served[] {
  const served: Served[] = [];
  for (const window of STAT_WINDOWS) {
    const point = seriesOf(market, window)?.pointFor(instant);
    if (point) served.push({ window, point });
  }
  return served;
}

function updateTimeOf(served: readonly Served[], instant: number): number {
  if (served.length === 0) return instant;
  const atOrBefore = served.filter(({ point }) => point.time <= instant).map(({ point }) => point.time);
  return atOrBefore.length > 0 ? Math.max(...atOrBefore) : Math.min(...served.map(({ point }) => point.time));
}

function maxInflowOf(served: readonly Served[]): string {
  const max = maxAmount(served.map(({ point }) => point.inflow));
  return formatAmount(max ?? 0n);
}

/** No window of any market has a point: nothing to serve (no point was ever stored for the token). */
export function isEmptySnapshot(snapshot: CoinTradeSnapshot): boolean {
  return snapshot.spotGoodsList.length === 0 && snapshot.contractList.length === 0;
}

function toItem({ window, point }: Served): SnapshotWindowItem {
  return {
    timeRange: window.label,
    timeParticleEnum: window.minutes,
    tradeInflow: formatAmount(point.inflow),
    tradeAmount: formatAmount(point.amount),
  };
}
