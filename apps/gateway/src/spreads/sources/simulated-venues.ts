import { hashString, mulberry32 } from '@app/simulator';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import type { Quote } from '../domain/quote';
import type { QuoteSink, QuoteSource } from './quote-source';

/** Symbols and rough prices of the simulated market (real orders of magnitude). */
const SIM_SYMBOLS: ReadonlyArray<[string, number]> = [
  ['BTC_USDT', 97_000],
  ['ETH_USDT', 3_400],
  ['SOL_USDT', 190],
  ['BNB_USDT', 640],
  ['XRP_USDT', 2.2],
  ['DOGE_USDT', 0.38],
  ['ADA_USDT', 0.95],
  ['AVAX_USDT', 38],
  ['LINK_USDT', 22],
  ['ZK_USDT', 0.0142],
  ['ARB_USDT', 0.78],
  ['OP_USDT', 1.9],
];
/** DEX pools for a few symbols (dex legs). */
const SIM_POOLS: ReadonlyArray<{ symbol: string; venue: string; chain: string; pool_address: string; liquidityUsd: number }> = [
  { symbol: 'ETH_USDT', venue: 'UNISWAP_V3', chain: 'eth', pool_address: '0x4e68ccd3e89f51c3074ca5072bbac773960dfa36', liquidityUsd: 68_000_000 },
  { symbol: 'LINK_USDT', venue: 'UNISWAP_V3', chain: 'eth', pool_address: '0xa6cc3c2531fdaa6ae1a3ca84c2855806728693e8', liquidityUsd: 4_200_000 },
  { symbol: 'BNB_USDT', venue: 'PANCAKESWAP_V3', chain: 'bsc', pool_address: '0x172fcd41e0913e95784454622d1c3724f546f849', liquidityUsd: 31_000_000 },
];

export interface SimulatedVenuesOptions {
  /** where the next tick (`spreads.simulated-tick`) is armed; a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  venues: string[];
  seed: number;
  tickMs: number;
  /** one divergence episode starts every this many ticks (SIM_EPISODE_TICKS) */
  episodeEvery?: number;
}

/** The default episode period, in ticks: a divergence is in force for 7 of them, the other 5 are quiet. */
export const SIM_EPISODE_TICKS = 12;

/** The simulated market's tick at wall-clock `nowMs`: every replica (and every leader in turn) sees the same market. */
export function simulatedTickAt(nowMs: number, tickMs: number): number {
  return Math.floor(nowMs / tickMs);
}

/**
 * Sandbox quote source: simulated venues whose prices wander together and, in scheduled episodes, one leg
 * diverges by 1.5–4 % and converges back over a few ticks, so spreads open and close. Deterministic for a
 * seed and the wall clock (tick = floor(now / tickMs), delivered at each tick boundary), so the events of any time
 * range can be computed, whichever replica led then. It stands in for the venues behind the same `QuoteSource` interface as the ccxt adapters: pointing 7
 * ccxt clients at an HTTP simulator was not done (see README "Spreads").
 */
export class SimulatedVenues implements QuoteSource {
  readonly name = 'simulated-venues';
  private timer?: ScheduledJob;
  /** the last tick delivered: a timer that fires early (or twice within a tick) delivers nothing */
  private lastTick = -1;
  private running = false;

  constructor(private readonly options: SimulatedVenuesOptions) {}

  start(sink: QuoteSink): void {
    this.running = true;
    const jobs = this.options.jobs ?? JobScheduler.detached();
    const deliver = () => {
      if (!this.running) return;
      const now = Date.now();
      const tick = simulatedTickAt(now, this.options.tickMs);
      // a stalled event loop skips ticks rather than replaying them late (a venue does not resend old prices)
      if (tick > this.lastTick) {
        this.lastTick = tick;
        sink(this.quotesAt(tick, now));
      }
      this.timer = jobs.after('spreads.simulated-tick', (tick + 1) * this.options.tickMs - Date.now(), deliver);
    };
    deliver();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.stop();
  }

  /** Every leg's quote at tick `tick` (pure: the same seed and tick give the same prices). */
  quotesAt(tick: number, now: number): Quote[] {
    const quotes: Quote[] = [];
    const episode = this.episodeAt(tick);
    for (const [symbol, base] of SIM_SYMBOLS) {
      const common = base * (1 + 0.01 * Math.sin((tick + hashString(symbol) % 97) / 40));
      for (const venue of this.options.venues) {
        for (const kind of ['spot', 'futures'] as const) {
          const legKey = `${venue.toUpperCase()}:${kind}`;
          const noise = (mulberry32(hashString(`${this.options.seed}|${symbol}|${legKey}|${tick}`))() - 0.5) * 0.002;
          const bump = episode && episode.symbol === symbol && episode.leg === legKey ? episode.pct / 100 : 0;
          const price = common * (1 + noise + bump);
          const volume24h = 50_000 + (hashString(`${symbol}|${venue}`) % 5_000) * 1_000;
          quotes.push({
            venue: venue.toUpperCase(),
            kind,
            symbol,
            price,
            bid: price * 0.9999,
            ask: price * 1.0001,
            mark: kind === 'futures' ? common * (1 + noise / 2) : undefined,
            volume24h,
            ts: now,
          });
        }
      }
      for (const pool of SIM_POOLS) {
        if (pool.symbol !== symbol) continue;
        const noise = (mulberry32(hashString(`${this.options.seed}|${pool.pool_address}|${tick}`))() - 0.5) * 0.003;
        const bump = episode && episode.symbol === symbol && episode.leg === pool.venue ? episode.pct / 100 : 0;
        quotes.push({
          venue: pool.venue,
          kind: 'dex',
          symbol,
          price: common * (1 + noise + bump),
          liquidityUsd: pool.liquidityUsd,
          dex: { chain: pool.chain, pool_address: pool.pool_address, dex: pool.venue.toLowerCase() },
          ts: now,
        });
      }
    }
    return quotes;
  }

  /** The divergence in force at `tick`: ramps up over 2 ticks, holds 3, decays over 3 (then spreads close). */
  private episodeAt(tick: number): { symbol: string; leg: string; pct: number } | undefined {
    const every = this.options.episodeEvery ?? SIM_EPISODE_TICKS;
    const index = Math.floor(tick / every);
    const phase = tick % every;
    const shape = [0.5, 1, 1, 1, 1, 0.6, 0.2, 0][phase];
    if (shape === undefined || shape === 0) return undefined;
    const random = mulberry32(hashString(`${this.options.seed}|episode|${index}`));
    const [symbol] = SIM_SYMBOLS[Math.floor(random() * SIM_SYMBOLS.length)];
    const pools = SIM_POOLS.filter((pool) => pool.symbol === symbol);
    const legs = [...this.options.venues.flatMap((venue) => [`${venue.toUpperCase()}:spot`, `${venue.toUpperCase()}:futures`]), ...pools.map((p) => p.venue)];
    const leg = legs[Math.floor(random() * legs.length)];
    const pct = (1.5 + random() * 2.5) * (random() < 0.5 ? -1 : 1) * shape;
    return { symbol, leg, pct };
  }
}
