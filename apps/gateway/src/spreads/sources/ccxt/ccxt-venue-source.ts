import type { SpreadsConfig } from '../../spreads.config';
import type * as ccxt from 'ccxt';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import { dirname, join } from 'node:path';
import { normalizeSymbol, referencePrice, type Quote } from '../../domain/quote';
import type { QuoteSink, QuoteSource, QuoteSourceReports } from '../quote-source';
import { CcxtWatchSource, type WatchSourceOptions } from './ccxt-watch-source';
import { isLegMarket, VENUE_SPECS, type LegSpec, type VenueSpec } from './venue-specs';

type Exchange = ccxt.Exchange;
type Ticker = ccxt.Ticker;

export interface CcxtLeg {
  spec: LegSpec;
  exchange: Exchange;
}

export interface CcxtSourceHooks extends QuoteSourceReports {
  /** runs one poll of a leg under the venue's upstream policy (timeout, breaker, metrics); absent = called directly */
  runCall?: <T>(source: string, call: () => Promise<T>) => Promise<T>;
  /** whether the venue's circuit is open now (its REST calls fail fast); absent = never */
  circuitOpen?: (source: string) => boolean;
  /** where the polls are armed (`spreads.ccxt-poll:<venue>`...); a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
}

/**
 * One venue through ccxt: polls its spot and futures tickers (plus bid/ask and mark prices where the
 * ticker lacks them) every `pollMs`, and turns them into quotes. ccxt's own rate limiter paces the calls.
 */
export class CcxtVenueSource implements QuoteSource {
  readonly name: string;
  private timer?: ScheduledJob;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    readonly venue: VenueSpec,
    readonly legs: CcxtLeg[],
    private readonly options: { pollMs: number; quoteCurrencies: string[]; now?: () => number } & CcxtSourceHooks,
  ) {
    this.name = `ccxt:${venue.name.toLowerCase()}`;
  }

  start(sink: QuoteSink): void {
    // a source is started again when its replica leads spreads again (a new term): a stop is not forever
    this.stopped = false;
    const jobs = this.options.jobs ?? JobScheduler.detached();
    const loop = async () => {
      const started = Date.now();
      for (const leg of this.legs) {
        if (this.stopped) return;
        try {
          const quotes = await this.pollLegUnderPolicy(leg);
          this.options.onQuotes?.(this.name, quotes.length);
          sink(quotes);
        } catch (error) {
          this.options.onError?.(`${this.name}:${leg.spec.kind}`, error);
        }
      }
      if (!this.stopped) this.timer = jobs.after(`spreads.ccxt-poll:${this.name}`, Math.max(0, this.options.pollMs - (Date.now() - started)), () => (this.running = loop()));
    };
    this.running = loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.stop();
    await this.running?.catch(() => undefined);
    await Promise.allSettled(this.legs.map((leg) => leg.exchange.close?.()));
  }

  /** One poll of one leg: the venue's tickers of that market kind as quotes. */
  /** One poll of a leg under the venue's upstream policy (timeout, breaker, `upstream_calls_total`). */
  pollLegUnderPolicy(leg: CcxtLeg): Promise<Quote[]> {
    return this.underPolicy(() => this.pollLeg(leg));
  }

  /** Any REST call to this venue under its upstream policy (the streamed source's market loads use it too). */
  underPolicy<T>(call: () => Promise<T>): Promise<T> {
    return this.options.runCall ? this.options.runCall(this.name, call) : call();
  }

  async pollLeg(leg: CcxtLeg): Promise<Quote[]> {
    const { exchange, spec } = leg;
    if (!exchange.markets || Object.keys(exchange.markets).length === 0) await exchange.loadMarkets();
    const tickers = await exchange.fetchTickers(undefined, spec.tickersParams);
    const bidsAsks = spec.bidsAsks ? await exchange.fetchBidsAsks(undefined, spec.tickersParams) : undefined;
    const marks = spec.markPricesParams ? await exchange.fetchMarkPrices(undefined, spec.markPricesParams) : undefined;
    const now = (this.options.now ?? Date.now)();
    const quotes: Quote[] = [];
    for (const ticker of Object.values(tickers)) {
      if (!ticker.symbol) continue;
      const quote = this.toQuote(leg, ticker as Ticker & { symbol: string }, bidsAsks?.[ticker.symbol], marks?.[ticker.symbol], now);
      if (quote) quotes.push(quote);
    }
    return quotes;
  }

  /** A ccxt ticker (polled or streamed) of this leg as a quote; undefined when the market is not one of the leg's. */
  toQuote(leg: CcxtLeg, ticker: Ticker & { symbol: string }, book: Ticker | undefined, markTicker: Ticker | undefined, now: number): Quote | undefined {
    const market = leg.exchange.markets?.[ticker.symbol];
    if (!market || !isLegMarket(leg.spec.kind, market, this.options.quoteCurrencies)) return undefined;
    const isFutures = leg.spec.kind === 'futures';
    const symbol = normalizeSymbol(`${market.base}_${market.quote}`);
    if (!symbol) return undefined;
    const bid = positive(ticker.bid) ?? positive(book?.bid);
    const ask = positive(ticker.ask) ?? positive(book?.ask);
    const last = positive(ticker.last) ?? positive(ticker.close);
    const price = referencePrice(bid, ask, last);
    if (price === undefined) return undefined;
    const info = (ticker.info ?? {}) as Record<string, unknown>;
    const mark = isFutures
      ? (positive(ticker.markPrice) ?? positive(markTicker?.markPrice) ?? (leg.spec.markFromInfo ? positive(Number(info[leg.spec.markFromInfo])) : undefined))
      : undefined;
    const venueTs = positive(ticker.timestamp);
    return {
      venue: this.venue.name,
      kind: leg.spec.kind,
      symbol,
      price,
      bid,
      ask,
      mark,
      volume24h: positive(ticker.quoteVolume),
      // the venue's time when it has one (never ahead of ours), else the receive time
      ts: venueTs !== undefined && venueTs < now ? venueTs : now,
    };
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

type ExchangeClass = new (options: Record<string, unknown>) => Exchange;

/**
 * One ccxt exchange class from ccxt's CommonJS build, file by file: `require('ccxt')` loads all of its ~110 exchanges
 * (about 20 MB of source that V8 keeps, ~0.4 s), and the package's `exports` map has no per-exchange entry, so the
 * class's own file is required by path. The files are those of the pinned release (`dist/cjs/src/[pro/]<id>.js`,
 * default export), the classes `ccxt.<id>` and `ccxt.pro.<id>` name.
 */
export function loadCcxtClass(exchangeId: string, pro: boolean): ExchangeClass {
  if (!/^[a-z0-9]+$/.test(exchangeId)) throw new Error(`not a ccxt exchange id: ${exchangeId}`);
  const cjs = join(dirname(require.resolve('ccxt')), 'cjs');
  // what ccxt's own index requires first: it registers the bundled modules that exchanges require dynamically
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(cjs, '_virtual', 'index.cjs.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(join(cjs, 'src', ...(pro ? ['pro'] : []), `${exchangeId}.js`)) as { default?: ExchangeClass };
  if (typeof loaded.default !== 'function') throw new Error(`ccxt has no ${pro ? 'pro ' : ''}exchange ${exchangeId}`);
  return loaded.default;
}

/**
 * Live ccxt sources for the configured venues (one instance per ccxt class, shared by a venue's legs): a venue in
 * `watchVenues` streams through ccxt.pro classes (REST polling when silent), the others are polled.
 */
export function createCcxtVenueSources(
  config: SpreadsConfig,
  hooks: CcxtSourceHooks & {
    onMode?: WatchSourceOptions['onMode'];
    /** called once per new ccxt instance (sandbox: points it at the simulator) */
    prepare?: (exchange: Exchange, exchangeId: string) => void;
  },
): QuoteSource[] {
  return config.venues.map((venueId) => {
    const venue = VENUE_SPECS[venueId];
    if (!venue) throw new Error(`unknown spreads venue ${venueId}`);
    const watch = config.watchVenues.includes(venueId) && venue.legs.some((leg) => leg.watch);
    const instances = new Map<string, Exchange>();
    const legs = venue.legs.map((spec) => {
      let exchange = instances.get(spec.exchangeId);
      if (!exchange) {
        // ccxt.pro classes extend the REST ones: the same instance streams and, on fallback, polls
        const Class = loadCcxtClass(spec.exchangeId, watch);
        exchange = new Class({ enableRateLimit: true, timeout: 10_000, options: venue.exchangeOptions[spec.exchangeId] ?? {} });
        hooks.prepare?.(exchange, spec.exchangeId);
        instances.set(spec.exchangeId, exchange);
      }
      return { spec, exchange };
    });
    const rest = new CcxtVenueSource(venue, legs, { pollMs: config.pollMs, quoteCurrencies: config.quoteCurrencies, ...hooks });
    if (!watch) return rest;
    return new CcxtWatchSource(venue, legs, rest, { pollMs: config.pollMs, staleMs: config.watchStaleMs, quoteCurrencies: config.quoteCurrencies, ...hooks });
  });
}
