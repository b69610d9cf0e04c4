import type * as ccxt from 'ccxt';
import { JobScheduler, delay, type ScheduledJob } from '@app/scheduling';
import type { Quote } from '../../domain/quote';
import type { QuoteSink, QuoteSource } from '../quote-source';
import type { CcxtLeg, CcxtSourceHooks, CcxtVenueSource } from './ccxt-venue-source';
import { isLegMarket, type VenueSpec, type WatchStream } from './venue-specs';

type Ticker = ccxt.Ticker;
type TickerMap = Record<string, Ticker>;

export type LegMode = 'ws' | 'rest';

export interface WatchSourceOptions extends CcxtSourceHooks {
  /** a streamed leg with no update for this long is polled over REST until the stream delivers again */
  staleMs: number;
  /** REST polling interval of fallback (and never-streamed) legs */
  pollMs: number;
  quoteCurrencies: string[];
  /** first wait before re-calling a failed `watch*`; doubles up to `backoffMaxMs` */
  backoffMs?: number;
  backoffMaxMs?: number;
  /** clock of the quotes' receive time (staleness always uses the wall clock) */
  now?: () => number;
  /** a leg switched between streaming and polling */
  onMode?: (source: string, kind: string, mode: LegMode) => void;
}

/** What the streams last said about one symbol; a quote is the merge of the three. */
interface SymbolState {
  ticker?: Ticker;
  book?: Ticker;
  mark?: Ticker;
}

interface LegState {
  leg: CcxtLeg;
  mode: LegMode;
  /** wall-clock ms of the last stream update (or the start): staleness is measured from here */
  lastStreamAt: number;
  symbols: Map<string, SymbolState>;
  /** bumped to cancel the REST loop of a leg */
  restGeneration: number;
  restTimer?: ScheduledJob;
}

const WATCH_METHOD: Record<WatchStream, 'watchTickers' | 'watchBidsAsks' | 'watchMarkPrices'> = {
  tickers: 'watchTickers',
  bidsAsks: 'watchBidsAsks',
  markPrices: 'watchMarkPrices',
};

/**
 * ccxt.pro's unified caches (`exchange.tickers`, `exchange.bidsasks`): every frame is merged there, while a `watch*`
 * call resolves with the frame that settled it only. Frames of several symbols that arrive in one read would
 * otherwise reach us as the first of them. Mark prices have no cache of their own (OKX keeps them in `tickers`, where
 * ticker frames overwrite them): that stream is read from what the call returns only.
 */
const CACHE_OF: Partial<Record<WatchStream, { property: 'tickers' | 'bidsasks'; usable: (entry: Ticker) => boolean }>> = {
  // a mark-price frame kept in `tickers` (OKX) has no last price: not a ticker
  tickers: { property: 'tickers', usable: (entry) => typeof entry.last === 'number' || typeof entry.close === 'number' },
  bidsAsks: { property: 'bidsasks', usable: (entry) => typeof entry.bid === 'number' && typeof entry.ask === 'number' },
};

/**
 * One venue through ccxt.pro: each leg with a `watch` spec streams its eligible symbols (batches of `batch` per
 * subscription, every `watch*` re-called in a loop with backoff, since ccxt drops a subscription on error) and
 * merges tickers, best bid/ask and mark prices per symbol into quotes. A leg silent for `staleMs` (dead socket
 * that never errored, venue outage) is polled through the REST adapter until the stream delivers again; legs
 * without a watch spec are always polled. The ccxt instances are ccxt.pro classes, which also do the REST calls.
 */
export class CcxtWatchSource implements QuoteSource {
  readonly name: string;
  private readonly legs: LegState[];
  private sink?: QuoteSink;
  private stopped = false;
  private staleTimer?: ScheduledJob;
  private loops: Promise<void>[] = [];
  /** aborted at stop: ends every backoff sleep at once */
  private stopping = new AbortController();
  private readonly jobs: JobScheduler;

  constructor(
    readonly venue: VenueSpec,
    legs: CcxtLeg[],
    private readonly rest: CcxtVenueSource,
    private readonly options: WatchSourceOptions,
  ) {
    this.name = `ccxt:${venue.name.toLowerCase()}`;
    this.jobs = options.jobs ?? JobScheduler.detached();
    this.legs = legs.map((leg) => ({ leg, mode: leg.spec.watch ? 'ws' : 'rest', lastStreamAt: Date.now(), symbols: new Map(), restGeneration: 0 }));
  }

  /** How a leg is fed right now (tests, status). */
  modeOf(kind: 'spot' | 'futures'): LegMode | undefined {
    return this.legs.find((state) => state.leg.spec.kind === kind)?.mode;
  }

  start(sink: QuoteSink): void {
    // a source is started again when its replica leads spreads again (a new term): a stop is not forever
    this.stopped = false;
    this.stopping = new AbortController();
    this.loops = [];
    this.sink = sink;
    for (const state of this.legs) {
      state.lastStreamAt = Date.now();
      if (state.leg.spec.watch) this.loops.push(this.streamLeg(state));
      else this.startRest(state);
    }
    const checkEvery = Math.max(20, Math.min(1_000, Math.floor(this.options.staleMs / 4)));
    this.staleTimer = this.jobs.every(`spreads.ccxt-stale-check:${this.name}`, checkEvery, () => this.checkStale());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.staleTimer?.stop();
    for (const state of this.legs) this.stopRest(state);
    this.stopping.abort();
    // closing the sockets rejects every pending watch*, which ends the loops
    await Promise.allSettled([...new Set(this.legs.map((state) => state.leg.exchange))].map((exchange) => exchange.close?.()));
    await Promise.allSettled(this.loops);
  }

  private async streamLeg(state: LegState): Promise<void> {
    const { exchange, spec } = state.leg;
    let attempt = 0;
    let symbols: string[] | undefined;
    while (!this.stopped && !symbols) {
      try {
        if (!exchange.markets || Object.keys(exchange.markets).length === 0) await this.rest.underPolicy(() => exchange.loadMarkets());
        symbols = Object.values(exchange.markets ?? {})
          .filter((market): market is NonNullable<ccxt.Market> => Boolean(market) && isLegMarket(spec.kind, market as NonNullable<ccxt.Market>, this.options.quoteCurrencies))
          .map((market) => market.symbol)
          .sort();
      } catch (error) {
        this.options.onError?.(`${this.name}:${spec.kind}:markets`, error);
        await this.sleep(this.backoff(attempt++));
      }
    }
    if (!symbols || symbols.length === 0) return;
    const batch = spec.watch!.batch;
    const loops: Promise<void>[] = [];
    for (let i = 0; i < symbols.length; i += batch) {
      for (const stream of spec.watch!.streams) loops.push(this.watchLoop(state, stream, symbols.slice(i, i + batch)));
    }
    await Promise.all(loops);
  }

  /**
   * One subscription: `watch*` again after every update, and after every error with a growing pause, longer while the
   * venue's circuit is open.
   */
  private async watchLoop(state: LegState, stream: WatchStream, symbols: string[]): Promise<void> {
    const exchange = state.leg.exchange as unknown as Record<string, (symbols: string[], params: Record<string, unknown>) => Promise<TickerMap | Ticker>>;
    const params = state.leg.spec.watch?.params?.[stream] ?? {};
    let attempt = 0;
    while (!this.stopped) {
      try {
        const update = await exchange[WATCH_METHOD[stream]](symbols, { ...params });
        attempt = 0;
        this.onUpdate(state, stream, this.withCached(state, stream, symbols, update));
      } catch (error) {
        if (this.stopped) return;
        this.options.onError?.(`${this.name}:${state.leg.spec.kind}:ws`, error);
        await this.sleep(this.backoff(attempt++));
        // a failing stream does not reconnect while the venue's circuit is open: the REST fallback's calls probe it
        while (!this.stopped && this.options.circuitOpen?.(this.name)) await this.sleep(this.backoff(attempt));
      }
    }
  }

  /**
   * What the call returned, with every other symbol of the subscription whose cached entry changed since we last
   * took it (frames that came in the same read), the cache's entry winning for a symbol that had several.
   */
  private withCached(state: LegState, stream: WatchStream, symbols: readonly string[], update: TickerMap | Ticker): Ticker[] {
    // ccxt returns the updated ticker(s) keyed by symbol; some streams resolve with a single ticker
    const returned = typeof (update as Ticker)?.symbol === 'string' ? [update as Ticker] : Object.values(update ?? {});
    const cache = CACHE_OF[stream];
    const entries = cache ? (state.leg.exchange as unknown as Record<string, Record<string, Ticker> | undefined>)[cache.property] : undefined;
    if (!cache || !entries) return returned;
    const latest = new Map<string, Ticker>();
    for (const ticker of returned) if (ticker?.symbol) latest.set(ticker.symbol, ticker);
    for (const symbol of symbols) {
      // market symbols from ccxt's own catalogue, never client input; an own property of the cache only
      const entry = Object.prototype.hasOwnProperty.call(entries, symbol) ? entries[symbol] : undefined;
      if (!entry || !cache.usable(entry)) continue;
      const held = state.symbols.get(symbol);
      if (entry === (stream === 'tickers' ? held?.ticker : held?.book)) continue;
      latest.set(symbol, entry);
    }
    return [...latest.values()];
  }

  private onUpdate(state: LegState, stream: WatchStream, tickers: readonly Ticker[]): void {
    const now = this.now();
    const quotes: Quote[] = [];
    for (const ticker of tickers) {
      if (!ticker?.symbol) continue;
      let symbolState = state.symbols.get(ticker.symbol);
      if (!symbolState) state.symbols.set(ticker.symbol, (symbolState = {}));
      if (stream === 'tickers') symbolState.ticker = ticker;
      else if (stream === 'bidsAsks') symbolState.book = ticker;
      else symbolState.mark = ticker;
      const quote = this.merged(state, symbolState, now);
      if (quote) quotes.push(quote);
    }
    state.lastStreamAt = Date.now();
    if (state.mode === 'rest') this.setMode(state, 'ws');
    if (quotes.length > 0) {
      this.options.onQuotes?.(this.name, quotes.length);
      this.sink?.(quotes);
    }
  }

  /** The freshest of each field: the book stream's bid/ask and the mark stream's mark win over the ticker's. */
  private merged(state: LegState, symbolState: SymbolState, now: number): Quote | undefined {
    const { ticker, book, mark } = symbolState;
    if (!ticker?.symbol) return undefined; // last price and volume come from the ticker
    const timestamps = [ticker.timestamp, book?.timestamp, mark?.timestamp].filter((ts): ts is number => typeof ts === 'number' && ts > 0);
    const combined = {
      ...ticker,
      symbol: ticker.symbol,
      bid: book?.bid ?? ticker.bid,
      ask: book?.ask ?? ticker.ask,
      markPrice: mark?.markPrice ?? ticker.markPrice,
      timestamp: timestamps.length > 0 ? Math.max(...timestamps) : undefined,
    } as Ticker & { symbol: string };
    return this.rest.toQuote(state.leg, combined, undefined, undefined, now);
  }

  private checkStale(): void {
    const now = Date.now();
    for (const state of this.legs) {
      if (state.mode === 'ws' && now - state.lastStreamAt > this.options.staleMs) this.setMode(state, 'rest');
    }
  }

  private setMode(state: LegState, mode: LegMode): void {
    if (state.mode === mode || this.stopped) return;
    state.mode = mode;
    if (mode === 'rest') this.startRest(state);
    else this.stopRest(state);
    this.options.onMode?.(this.name, state.leg.spec.kind, mode);
  }

  private startRest(state: LegState): void {
    const generation = ++state.restGeneration;
    const poll = async () => {
      const started = Date.now();
      try {
        const quotes = await this.rest.pollLegUnderPolicy(state.leg);
        if (generation !== state.restGeneration || this.stopped) return; // the stream came back meanwhile
        this.options.onQuotes?.(this.name, quotes.length);
        this.sink?.(quotes);
      } catch (error) {
        this.options.onError?.(`${this.name}:${state.leg.spec.kind}`, error);
      }
      if (generation !== state.restGeneration || this.stopped) return;
      state.restTimer = this.jobs.after(`spreads.ccxt-rest:${this.name}:${state.leg.spec.kind}`, Math.max(0, this.options.pollMs - (Date.now() - started)), () => void poll());
    };
    void poll();
  }

  private stopRest(state: LegState): void {
    state.restGeneration++;
    state.restTimer?.stop();
    state.restTimer = undefined;
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffMs ?? 1_000;
    return Math.min(this.options.backoffMaxMs ?? 30_000, base * 2 ** attempt);
  }

  private sleep(ms: number): Promise<void> {
    return delay(ms, { signal: this.stopping.signal });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
