import { loadGatewayConfig as loadConfig } from '../../apps/gateway/src/gateway-config';
import type { SpreadsConfig } from '../../apps/gateway/src/spreads/spreads.config';
import type { SpreadEvent } from '../../apps/gateway/src/spreads/domain/spread-event';
import { SpreadEngine } from '../../apps/gateway/src/spreads/engine/spread-engine';
import { SIM_EPISODE_TICKS, simulatedMarketAt, simulatedTickAt } from '@app/simulator';
import type { Quote } from '../../apps/gateway/src/spreads/domain/quote';

/**
 * The spread events a sandbox cluster must write, computed in the test: the simulator's venues are a pure function of
 * the seed and the wall-clock tick (tick = floor(now / SPREADS_SIM_TICK_MS)), so running the same SpreadEngine over
 * `simulatedMarketAt` for the same ticks gives the events of that time range, whichever replica led then. The gateways
 * read that market through ccxt (and GeckoTerminal's parser) from the simulator, each venue polled or streamed on its
 * own: the model's divergences are steps far from the thresholds, so the order the legs arrive in does not matter.
 *
 * Use SPREADS_COOLDOWN_MS=0 on the gateways: a cooldown is restored from the time of the last close, which a
 * failover may delay; without it every episode opens and closes each of its spreads once, whatever came before.
 */
export interface SimulatedMarket {
  seed: number;
  spreads: SpreadsConfig;
  /** ticks from one divergence episode to the next (every episode opens spreads, and all are closed before the next) */
  episodeTicks: number;
}

/** The market the gateways see with this environment (the same variables the child processes get). */
export function simulatedMarketOf(env: Record<string, string | undefined>): SimulatedMarket {
  const config = loadConfig({ ...env, NODE_ENV: 'test', MARKET_DATA: 'sandbox', SPREADS_SOURCE: 'simulated' });
  return { seed: config.marketData.sandboxSeed, spreads: config.spreads, episodeTicks: SIM_EPISODE_TICKS };
}

/** An event and the simulated tick it fired at. */
export interface TickedEvent {
  tick: number;
  event: Pick<SpreadEvent, 'event' | 'symbol' | 'buy_leg' | 'sell_leg'> & Partial<SpreadEvent>;
}

export function tickOf(market: SimulatedMarket, epochMs: number): number {
  return simulatedTickAt(epochMs, market.spreads.simTickMs);
}

export function episodeOf(market: SimulatedMarket, tick: number): number {
  return Math.floor(tick / market.episodeTicks);
}

/** The first tick of `episode`. */
export function episodeStart(market: SimulatedMarket, episode: number): number {
  return episode * market.episodeTicks;
}

/** The events of ticks `fromTick`..`toTick` (start in a quiet tick, e.g. `episodeStart(e) - 1`, so nothing is open). */
export function expectedSpreadEvents(market: SimulatedMarket, fromTick: number, toTick: number): TickedEvent[] {
  const { simTickMs } = market.spreads;
  const events: TickedEvent[] = [];
  let tick = fromTick;
  let clock = 0;
  const engine = new SpreadEngine(market.spreads, (event) => events.push({ tick, event }), () => clock);
  for (; tick <= toTick; tick++) {
    clock = tick * simTickMs + 1;
    engine.onQuotes(simulatedQuotesAt(market, tick, clock));
    engine.sweep();
  }
  return events;
}

/** The quotes the gateways read at `tick`: the configured venues' markets and the simulator's pools. */
export function simulatedQuotesAt(market: SimulatedMarket, tick: number, now: number): Quote[] {
  const { tickers, pools } = simulatedMarketAt(market.seed, tick);
  const quotes: Quote[] = tickers
    .filter((ticker) => market.spreads.venues.includes(ticker.venue))
    .map((ticker) => ({
      venue: ticker.venue.toUpperCase(),
      kind: ticker.kind,
      symbol: `${ticker.base}_${ticker.quote}`,
      price: (ticker.bid + ticker.ask) / 2,
      bid: ticker.bid,
      ask: ticker.ask,
      mark: ticker.mark,
      volume24h: ticker.quoteVolume24h,
      ts: now,
    }));
  for (const { pool, priceUsd } of pools) {
    quotes.push({
      venue: pool.dex.toUpperCase(),
      kind: 'dex',
      symbol: `${pool.base}_USDT`,
      price: priceUsd,
      liquidityUsd: pool.liquidityUsd,
      dex: { chain: pool.network, pool_address: pool.address, dex: pool.dex },
      ts: now,
    });
  }
  return quotes;
}

/** History rows (in id order) as ticked events. */
export function tickedHistory(market: SimulatedMarket, rows: ReadonlyArray<Pick<SpreadEvent, 'event' | 'symbol' | 'buy_leg' | 'sell_leg' | 'fired_at_ms'>>): TickedEvent[] {
  return rows.map((event) => ({ tick: tickOf(market, event.fired_at_ms), event }));
}

/** One spread from its open to its close, named by its key and the episode it opened in. */
interface Lifecycle {
  name: string;
  episode: number;
  openTick: number;
  closeTick?: number;
}

function lifecyclesOf(market: SimulatedMarket, events: readonly TickedEvent[], problems: string[], label: string): Lifecycle[] {
  const open = new Map<string, Lifecycle>();
  const all: Lifecycle[] = [];
  for (const { tick, event } of events) {
    const key = `${event.symbol}|${event.buy_leg}|${event.sell_leg}`;
    const current = open.get(key);
    if (event.event === 'open') {
      if (current) problems.push(`${label}: ${key} opened again at tick ${tick} while open since tick ${current.openTick} (a duplicate open)`);
      const lifecycle = { name: `${key}@${episodeOf(market, tick)}`, episode: episodeOf(market, tick), openTick: tick };
      open.set(key, lifecycle);
      all.push(lifecycle);
    } else if (current) {
      current.closeTick = tick;
      open.delete(key);
    } else {
      problems.push(`${label}: ${key} closed at tick ${tick} while not open (a duplicate close, or its open is missing)`);
    }
  }
  return all;
}

export interface HistoryComparison {
  /** the episodes whose spreads must be in the history exactly (by the episode each spread opened in) */
  episodes: number[];
  /**
   * Ticks when no replica detected (from the leader's death to the first tick of the next leader): an event due
   * then is written when the next leader looks, at the latest at `toTick`. Outside it, an event may come one tick
   * late (a tick skipped by a stalled event loop), never early.
   */
  gap?: { fromTick: number; toTick: number };
}

/**
 * What differs between the history and the expected events: a duplicate (a second open or close of one spread), a
 * missing or unexpected spread of a compared episode, an event at the wrong tick. Empty when the history is exact.
 * Every actual event counts for duplicates; only spreads opened in `episodes` are compared one to one.
 */
export function compareSpreadHistory(market: SimulatedMarket, expected: readonly TickedEvent[], actual: readonly TickedEvent[], comparison: HistoryComparison): string[] {
  const problems: string[] = [];
  const wanted = new Set(comparison.episodes);
  const expectedSpreads = lifecyclesOf(market, expected, problems, 'expected').filter((lifecycle) => wanted.has(lifecycle.episode));
  const actualSpreads = lifecyclesOf(market, actual, problems, 'history').filter((lifecycle) => wanted.has(lifecycle.episode));
  const byName = new Map<string, Lifecycle>();
  for (const lifecycle of actualSpreads) {
    if (byName.has(lifecycle.name)) problems.push(`history: ${lifecycle.name} opened twice in one episode`);
    byName.set(lifecycle.name, lifecycle);
  }
  const onTime = (what: string, due: number | undefined, got: number | undefined) => {
    if (due === undefined || got === undefined) {
      if (due !== got) problems.push(`${what}: expected at tick ${due ?? 'none (still open)'}, history says ${got ?? 'none (still open)'}`);
      return;
    }
    const { gap } = comparison;
    const latest = gap && due >= gap.fromTick && due <= gap.toTick ? gap.toTick : due + 1;
    if (got < due || got > latest) problems.push(`${what}: expected at tick ${due}${latest > due + 1 ? ` (in the failover gap: by tick ${latest})` : ''}, history says tick ${got}`);
  };
  for (const due of expectedSpreads) {
    const got = byName.get(due.name);
    byName.delete(due.name);
    if (!got) {
      problems.push(`missing: ${due.name} (open at tick ${due.openTick}, close at ${due.closeTick})`);
      continue;
    }
    onTime(`${due.name} open`, due.openTick, got.openTick);
    onTime(`${due.name} close`, due.closeTick, got.closeTick);
  }
  for (const extra of byName.values()) problems.push(`unexpected: ${extra.name} (open at tick ${extra.openTick}, close at ${extra.closeTick})`);
  return problems;
}

/**
 * Waits until the history holds every open of an episode starting after `now` (a good moment to kill the leader:
 * those spreads are open, their closes 4-6 ticks away). Returns the episode, the tick to start computing expected
 * events from (the quiet tick before it) and the tick of its first close. The venues are polled over HTTP: on a busy
 * machine a leg read a tick late can miss an episode's open, so up to `attempts` episodes are tried before failing
 * (the failover that follows is still checked event by event from the episode chosen).
 */
export async function awaitOpensOfNextEpisode(
  market: SimulatedMarket,
  readHistory: () => Promise<TickedEvent[]>,
  now = Date.now(),
  attempts = 3,
): Promise<{ episode: number; fromTick: number; firstCloseTick: number }> {
  const keyOf = (item: TickedEvent) => `${item.event.symbol}|${item.event.buy_leg}|${item.event.sell_leg}`;
  let episode = episodeOf(market, tickOf(market, now)) + 1;
  for (let attempt = 1; ; attempt++, episode++) {
    const fromTick = episodeStart(market, episode) - 1;
    const due = expectedSpreadEvents(market, fromTick, episodeStart(market, episode + 1) - 1);
    const opens = due.filter((item) => item.event.event === 'open').map(keyOf);
    const firstCloseTick = Math.min(...due.filter((item) => item.event.event === 'close').map((item) => item.tick));
    if (opens.length === 0) throw new Error(`episode ${episode} opens no spread: nothing to wait for`);
    const deadline = (episodeStart(market, episode + 1) + 5) * market.spreads.simTickMs;
    for (;;) {
      const history = await readHistory();
      const written = new Set(history.filter((item) => item.event.event === 'open' && episodeOf(market, item.tick) === episode).map(keyOf));
      if (opens.every((key) => written.has(key))) return { episode, fromTick, firstCloseTick };
      if (Date.now() > deadline) {
        if (attempt >= attempts) throw new Error(`the opens of episode ${episode} were not written in time (${written.size} of ${opens.length}; ${attempts} episodes tried)`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
