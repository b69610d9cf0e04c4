import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { FencedOutError, LEADERSHIP, type Leadership, type LeadershipTerm } from '@app/cluster';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { dexMetricsConfig, type DexConfig, type DexPoolConfig } from './dex-metrics.config';
import { MetricsService } from '@app/observability';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import { DATABASE, type Database } from '@app/storage';
import { EvmLogSource, type ObservedSwap } from './chain/evm-log-source';
import { EVM_RPC_API, isUpstreamOutage, type EvmRpcApi } from '@app/upstream';
import { ViemEvmRpc } from './chain/evm-rpc';
import { PoolStateReader } from './chain/pool-state-reader';
import { UsdPrices, isUsdStablecoin } from './chain/usd-prices';
import { DexMetricsBook } from './domain/metrics-book';
import { toCents } from './domain/metrics-message';
import type { WindowSwap } from './domain/pool-windows';
import { TrackedPool, toSymbolInfoResponse } from './dex-pools';
import type { DexMessage } from './flow/dex-message';
import { MessageScheduler } from './flow/message-scheduler';
import { DexLiveFeed } from './publish/dex-live-feed';
import { KafkaEmitter, KafkajsDexLink } from './publish/kafka-publisher';
import { PoolListFile } from './pool-list-file';
import { DexStateStore } from './store/dex-state.store';

/** Reorgs deeper than this many recent swaps cannot be taken back (the log source's window is far smaller). */
const RECENT_SWAPS_KEPT = 100_000;

interface ChainRuntime {
  reader: PoolStateReader;
  rpc: ViemEvmRpc;
  pools: TrackedPool[];
  /** one log source per group of pools listed together (at start, then each run-time addition: its own backfill) */
  sources: EvmLogSource[];
  refreshJob?: ScheduledJob;
}

/** What a pool-list reload changed. */
export interface PoolListChange {
  listed: string[];
  delisted: string[];
}

const samePoolConfig = (a: DexPoolConfig, b: DexPoolConfig) => a.currency === b.currency && a.quoteToken === b.quoteToken;

/**
 * Wires the DEX metrics: chain logs → windows → message scheduler → WebSocket feed and Kafka.
 * A cluster singleton (issue 11): the chain reads, the scheduler and the Kafka emitter run only while this replica
 * leads `dex-metrics`, and stop when the term ends; every replica serves /symbol_info and the WebSocket stream (the
 * leader's messages reach them through the shared event log).
 * State across restarts and failovers: the windows are rebuilt from the chain (the last DEX_BACKFILL_SECONDS, 24 h by
 * default); listed symbols, last trade times, the Kafka outbox (every message, with its per-key sequence) and pool
 * creation times are kept in the database, written only under the leader's fencing token.
 */
@Injectable()
export class DexMetricsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DexMetrics');
  private readonly prices = new UsdPrices();
  private readonly pools = new Map<string, TrackedPool>();
  // the leader's work, rebuilt for each term (a fresh book: the windows are read back from the chain)
  private term?: LeadershipTerm;
  private book = new DexMetricsBook();
  private chains = new Map<string, ChainRuntime>();
  private readonly recentSwaps = new Map<string, { ticker: string; swap: WindowSwap }>();
  private readonly dirtyLastTrades = new Map<string, number>();
  private store?: DexStateStore;
  private scheduler?: MessageScheduler;
  private kafka?: KafkaEmitter;
  /** this term's jobs, stopped when it ends */
  private jobsOfTerm: ScheduledJob[] = [];
  private retries = 0;
  /** no leader work here now (follower, between terms, shutting down) */
  private stopping = true;
  private shuttingDown = false;
  private poolsFile?: PoolListFile;
  /** listing changes (start, reloads, delist) run one at a time */
  private listing: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(dexMetricsConfig.token) private readonly dexConfig: DexConfig,
    @Inject(DATABASE) private readonly db: Database,
    private readonly metrics: MetricsService,
    private readonly feed: DexLiveFeed,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    @Inject(EVM_RPC_API) private readonly evmRpc: EvmRpcApi,
    @Optional() private readonly jobs: JobScheduler = JobScheduler.detached(),
  ) {
    for (const pool of dexConfig.pools) {
      const tracked = new TrackedPool(pool);
      this.pools.set(tracked.key, tracked);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const { kafka } = this.config;
    const dex = this.dexConfig;
    if (kafka.brokers.length > 0) {
      this.logger.log(`Kafka is on: DEX metrics go to topic ${kafka.dexMetricsTopic} on ${kafka.brokers.join(',')} and to WS /v1/dex-metrics/live`);
    } else {
      this.logger.log('Kafka is off (KAFKA_BROKERS unset): DEX metrics go to WS /v1/dex-metrics/live only');
    }
    if (dex.poolsFile) {
      this.poolsFile = new PoolListFile({
        path: dex.poolsFile,
        jobs: this.jobs,
        log: this.logger,
        onPools: async (pools) => {
          const { listed, delisted } = await this.applyPools(pools);
          this.logger.log(`DEX_POOLS_FILE reloaded: ${this.pools.size} pool(s); listed ${listed.join(', ') || 'none'}; delisted ${delisted.join(', ') || 'none'}`);
        },
      });
      await this.poolsFile.start();
      this.logger.log(`DEX pools come from DEX_POOLS_FILE ${dex.poolsFile}: re-read when it changes and on SIGHUP`);
    }
    this.leadership.register('dex-metrics', { lead: (term) => this.serially(() => this.lead(term)) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.poolsFile?.stop();
    // a graceful step-down: pending messages go out, then the term ends (the leadership closes after this)
    await this.serially(() => this.stopLeading(true));
  }

  /** This replica leads `dex-metrics` now: resume from the database, read the chain, schedule and emit. */
  private async lead(term: LeadershipTerm): Promise<() => Promise<void>> {
    const stop = () => this.serially(() => (this.term === term ? this.stopLeading(false) : Promise.resolve()));
    if (this.shuttingDown || term.signal.aborted) return stop;
    const { kafka } = this.config;
    const dex = this.dexConfig;
    this.term = term;
    this.stopping = false;
    this.book = new DexMetricsBook();
    this.chains = new Map();
    this.recentSwaps.clear();
    const store = new DexStateStore(this.db, term, (error) => this.logger.warn(`DEX outbox write failed, retrying: ${error.message}`));
    this.store = store;
    if (kafka.brokers.length > 0) {
      this.kafka = new KafkaEmitter({
        topic: kafka.dexMetricsTopic,
        // one transactional id for the role across the cluster: each new term's producer fences the previous one
        link: new KafkajsDexLink(kafka.brokers, kafka.dexMetricsTopic, `market-gateway-dex-metrics-${kafka.dexMetricsTopic}`, { warn: (m) => this.logger.warn(m) }),
        outbox: store,
        signal: term.signal,
        log: this.logger,
        onSent: (count) => {
          this.metrics.dexMessages.inc({ sink: 'kafka', kind: 'any' }, count);
          this.metrics.dexKafkaPending.set(this.kafka?.pending ?? 0);
        },
        onError: () => this.metrics.dexKafkaErrors.inc(),
        jobs: this.jobs,
      });
      this.kafka.kick(); // what the previous term left in the outbox
    }
    this.scheduler = new MessageScheduler(this.book, { publish: (message) => this.publish(message) }, {
      batchDelayMs: dex.batchDelayMs,
      refreshQuasiStatic: (ticker) => void this.refreshTicker(ticker),
      onInvariantViolation: (ticker, problems) => {
        this.metrics.dexInvariantViolations.inc();
        this.logger.error(`BUG: DEX metrics message for ${ticker} held back, it breaks: ${problems.join('; ')}`);
      },
      onLastTrade: (ticker, ms) => this.dirtyLastTrades.set(ticker, ms),
      jobs: this.jobs,
    });
    try {
      await this.reconcileListing();
    } catch (error) {
      await this.stopLeading(false);
      throw error;
    }
    this.jobsOfTerm.push(this.jobs.every('dex.save-last-trades', 10_000, () => this.saveLastTrades()));
    this.startPools([...this.pools.values()]);
    this.logger.log(`leading dex-metrics (fencing token ${term.token}): chain ingestion, message scheduler${this.kafka ? ' and Kafka emitter' : ''} started`);
    return stop;
  }

  /** Ends this replica's term of work: chain reads, timers, scheduler (`graceful`: pending messages go out first), emitter. */
  private async stopLeading(graceful: boolean): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const job of this.jobsOfTerm) job.stop();
    this.jobsOfTerm = [];
    const runtimes = [...this.chains.values()];
    const sources = runtimes.flatMap((runtime) => runtime.sources);
    for (const runtime of runtimes) runtime.sources = []; // pending retries of this term see they are over
    await Promise.all(sources.map((source) => source.stop()));
    const term = this.term;
    this.scheduler?.stop(graceful && !term?.signal.aborted);
    await this.store?.settled();
    await this.kafka?.stop(graceful ? 3_000 : 0);
    if (graceful) await this.saveLastTrades();
    this.scheduler = undefined;
    this.kafka = undefined;
    this.store = undefined;
    this.term = undefined;
    if (term) this.logger.log(`dex-metrics term ${term.token} ended${graceful ? ' (stepped down)' : ''}`);
  }

  /** GET /symbol_info */
  symbolInfo(): Record<string, unknown> {
    return toSymbolInfoResponse([...this.pools.values()].map((p) => p.symbolInfo()));
  }

  /** Listed in /symbol_info (every replica knows the pool list; only the leader schedules messages). */
  isListed(ticker: string): boolean {
    return [...this.pools.values()].some((pool) => pool.ticker === ticker);
  }

  /** Takes a symbol out of /symbol_info at runtime: its tombstone goes out now. */
  delist(ticker: string): Promise<boolean> {
    return this.serially(async () => {
      const pool = [...this.pools.values()].find((p) => p.ticker === ticker);
      if (!pool) return false;
      await this.removePool(pool);
      return true;
    });
  }

  /**
   * Makes `configs` the tracked pools (a DEX_POOLS_FILE reload): a pool gone from the list leaves /symbol_info and its
   * tombstone goes to the WebSocket stream and Kafka at once; a new one is listed and its ingestion starts (with its
   * own backfill); a pool whose currency or quote token changed is delisted and listed again.
   */
  applyPools(configs: readonly DexPoolConfig[]): Promise<PoolListChange> {
    return this.serially(async () => {
      const wanted = new Map<string, TrackedPool>();
      for (const config of configs) {
        const pool = new TrackedPool(config);
        wanted.set(pool.key, pool);
      }
      const change: PoolListChange = { listed: [], delisted: [] };
      for (const pool of [...this.pools.values()]) {
        const next = wanted.get(pool.key);
        if (next && samePoolConfig(next.config, pool.config)) continue;
        await this.removePool(pool);
        change.delisted.push(pool.ticker);
      }
      const added = [...wanted.values()].filter((pool) => !this.pools.has(pool.key));
      for (const pool of added) {
        if (this.shuttingDown) break;
        this.pools.set(pool.key, pool);
        change.listed.push(pool.ticker);
        if (this.stopping || !this.store || !this.scheduler) continue; // a follower only keeps the list
        const listed = await this.store.markListed(pool.ticker, Date.now());
        this.scheduler.list(pool.ticker, { lastTradeMs: listed.lastTradeMs });
      }
      if (!this.stopping) this.startPools(added);
      return change;
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.listing.then(work);
    this.listing = run.catch(() => undefined);
    return run;
  }

  /** Out of /symbol_info: the tombstone (scheduler → WebSocket feed and Kafka outbox), no more logs read for it. */
  private async removePool(pool: TrackedPool): Promise<void> {
    this.pools.delete(pool.key);
    if (this.stopping || !this.scheduler || !this.store) return; // a follower only keeps the list; the leader tombstones
    this.scheduler.delist(pool.ticker);
    const runtime = this.chains.get(pool.config.chain);
    if (runtime) {
      runtime.pools = runtime.pools.filter((p) => p !== pool);
      for (const source of [...runtime.sources]) {
        if (source.removePool(pool.config.pool) > 0) continue;
        runtime.sources = runtime.sources.filter((s) => s !== source);
        await source.stop();
      }
    }
    await this.store.markDelisted(pool.ticker, Date.now());
    this.logger.log(`${pool.ticker} left /symbol_info: tombstone sent`);
  }

  /** Symbols listed before (database) but gone from DEX_POOLS get their tombstone; configured ones start. */
  private async reconcileListing(): Promise<void> {
    const store = this.store!;
    const scheduler = this.scheduler!;
    const configured = new Set([...this.pools.values()].map((p) => p.ticker));
    for (const known of await store.listedSymbols()) {
      if (configured.has(known.ticker)) continue;
      this.publish({ key: known.ticker, value: null, sentAtMs: Date.now() });
      await store.markDelisted(known.ticker, Date.now());
      this.logger.log(`${known.ticker} left /symbol_info: tombstone sent`);
    }
    for (const pool of this.pools.values()) {
      const listed = await store.markListed(pool.ticker, Date.now());
      scheduler.list(pool.ticker, { lastTradeMs: listed.lastTradeMs });
    }
  }

  /**
   * A message of the leader: with Kafka on, into the durable outbox first (fenced, with the key's next sequence), then
   * to the event log (every replica's WebSocket clients) and the emitter; a deposed leader's message goes nowhere.
   */
  private publish(message: DexMessage): void {
    const term = this.term;
    if (!term || term.signal.aborted) return;
    const kafka = this.kafka;
    const store = this.store;
    if (!kafka || !store) {
      this.toFeed(message);
      return;
    }
    void store.appendOutbox(message, term.signal).then(
      () => {
        this.toFeed(message);
        kafka.kick();
      },
      (error: Error) => {
        if (error instanceof FencedOutError || term.signal.aborted) this.logger.warn(`a DEX message of ${message.key} was not kept: the dex-metrics term ${term.token} is over`);
        else this.logger.error(`a DEX message of ${message.key} could not be kept for Kafka: ${error.message}`);
      },
    );
  }

  private toFeed(message: DexMessage): void {
    this.feed.publish(message);
    this.metrics.dexMessages.inc({ sink: 'ws', kind: message.value === null ? 'tombstone' : 'metrics' });
  }

  /** Starts reading the logs of `pools` (grouped by chain; one log source per group, with its own backfill). */
  private startPools(pools: readonly TrackedPool[]): void {
    for (const chain of new Set(pools.map((p) => p.config.chain))) {
      const group = pools.filter((p) => p.config.chain === chain);
      const url = this.dexConfig.rpcUrls[chain];
      if (!url) {
        this.logger.error(`no RPC URL for chain ${chain} (DEX_RPC_URLS): its ${group.length} pool(s) get heartbeats only`);
        continue;
      }
      let runtime = this.chains.get(chain);
      if (!runtime) {
        const client = this.evmRpc.connect(url);
        runtime = { reader: new PoolStateReader(chain, client), rpc: new ViemEvmRpc(client), pools: [], sources: [] };
        this.chains.set(chain, runtime);
      }
      runtime.pools.push(...group);
      const source = new EvmLogSource(
        chain,
        runtime.rpc,
        group.map((p) => p.config.pool),
        { onSwaps: (swaps) => this.onSwaps(chain, swaps), onRemoved: (swaps) => this.onRemoved(chain, swaps) },
        {
          jobs: this.jobs,
          pollIntervalMs: this.dexConfig.pollIntervalMs,
          reorgDepthBlocks: this.dexConfig.reorgDepthBlocks,
          blockRange: this.dexConfig.logsBlockRange,
          backfillSeconds: this.dexConfig.backfillSeconds,
          log: this.logger,
        },
      );
      runtime.sources.push(source);
      void this.preparePools(runtime, source, group);
    }
  }

  /**
   * Reads the pools' tokens, creation times (a binary search per pool, in parallel) and liquidity/supplies, retrying
   * until the endpoint answers, then starts the log polling: the first messages with swaps carry real figures.
   */
  private async preparePools(runtime: ChainRuntime, source: EvmLogSource, group: readonly TrackedPool[], attempt = 0): Promise<void> {
    const chain = source.chain;
    if (this.stopping || !runtime.sources.includes(source)) return;
    try {
      await Promise.all(
        group
          .filter((pool) => this.pools.get(pool.key) === pool)
          .map(async (pool) => {
            pool.info ??= await runtime.reader.describe(pool.config.pool);
            pool.createdTime ??= await this.createdTime(runtime.reader, pool);
          }),
      );
    } catch (error) {
      const delay = Math.min(60_000, 1_000 * 2 ** attempt);
      const line = `${chain}: reading the pools failed (${(error as Error).message}); retrying in ${delay} ms`;
      // an RPC outage is logged once by the evm-rpc circuit breaker
      if (isUpstreamOutage(error)) this.logger.debug(line);
      else this.logger.warn(line);
      // one name per retry: several pool groups of a chain may be waiting at once
      this.jobsOfTerm.push(this.jobs.after(`dex.prepare-pools-retry:${chain}#${++this.retries}`, delay, () => this.preparePools(runtime, source, group, attempt + 1)));
      return;
    }
    if (this.stopping || !runtime.sources.includes(source)) return;
    await this.refreshChain(chain);
    source.start();
    if (!runtime.refreshJob) {
      runtime.refreshJob = this.jobs.every(`dex.state-refresh:${chain}`, this.dexConfig.stateRefreshMs, () => this.refreshChain(chain));
      this.jobsOfTerm.push(runtime.refreshJob);
    }
  }

  private async createdTime(reader: PoolStateReader, pool: TrackedPool): Promise<number> {
    const { chain, pool: address } = pool.config;
    const store = this.store;
    if (!store) throw new Error('not leading dex-metrics');
    const stored = await store.poolCreatedTime(chain, address);
    if (stored !== undefined) return stored;
    const found = await reader.createdTime(address);
    if (found === undefined) {
      this.logger.warn(`${pool.ticker}: creation time unknown (the RPC cannot read old blocks); created_time is 0`);
      return 0;
    }
    await store.savePoolCreatedTime(chain, address, found);
    return found;
  }

  private async refreshChain(chain: string): Promise<void> {
    const runtime = this.chains.get(chain);
    if (!runtime) return;
    // stable-quoted pools first: they price the tokens other pools are quoted in
    const stableQuoted = (p: TrackedPool) => (p.info && isUsdStablecoin(chain, p.info.tokens[p.quoteIndex].address) ? 0 : 1);
    const ordered = [...runtime.pools].sort((a, b) => stableQuoted(a) - stableQuoted(b));
    for (const pool of ordered) await this.refreshPool(runtime.reader, pool);
  }

  private async refreshTicker(ticker: string): Promise<void> {
    const pool = [...this.pools.values()].find((p) => p.ticker === ticker);
    const runtime = pool && this.chains.get(pool.config.chain);
    if (pool && runtime) await this.refreshPool(runtime.reader, pool);
  }

  private async refreshPool(reader: PoolStateReader, pool: TrackedPool): Promise<void> {
    if (!pool.info || this.pools.get(pool.key) !== pool) return;
    try {
      const state = await reader.state(pool.info);
      this.book.setQuasiStatic(pool.ticker, pool.quasiStatic(state, this.prices, Date.now()));
    } catch (error) {
      this.logger.warn(`${pool.ticker}: reading liquidity/supply failed, keeping the last values: ${(error as Error).message}`);
    }
  }

  private onSwaps(chain: string, swaps: ObservedSwap[]): void {
    if (!this.scheduler) return;
    for (const observed of swaps) {
      const pool = this.pools.get(`${chain}:${observed.pool}`);
      if (!pool || !this.scheduler.isListed(pool.ticker)) {
        this.metrics.dexSwaps.inc({ chain, outcome: 'unknown_pool' });
        continue;
      }
      const valued = pool.valueSwap(observed, this.prices);
      if (!valued) {
        this.metrics.dexSwaps.inc({ chain, outcome: 'not_a_trade' });
        continue;
      }
      if (valued.usd === undefined) {
        this.metrics.dexSwaps.inc({ chain, outcome: 'no_usd_price' });
        if (pool.shouldWarnNoPrice()) this.logger.warn(`${pool.ticker}: no USD price for its quote token yet; its swaps count with 0 USD until one is known`);
      }
      const swap: WindowSwap = { timeSec: observed.timeSec, side: valued.trade.side, usdCents: toCents(valued.usd ?? 0), makerId: this.book.interner.intern(observed.maker) };
      this.book.addTrade(pool.ticker, swap);
      this.rememberSwap(`${chain}:${observed.id}`, { ticker: pool.ticker, swap });
      this.scheduler.onTrade(pool.ticker, observed.timeSec * 1000);
      this.metrics.dexSwaps.inc({ chain, outcome: 'added' });
    }
  }

  private onRemoved(chain: string, swaps: ObservedSwap[]): void {
    if (!this.scheduler) return;
    for (const observed of swaps) {
      const id = `${chain}:${observed.id}`;
      const known = this.recentSwaps.get(id);
      if (!known) continue;
      this.recentSwaps.delete(id);
      if (this.book.retractTrade(known.ticker, known.swap)) {
        this.scheduler.onTrade(known.ticker);
        this.metrics.dexSwaps.inc({ chain, outcome: 'retracted' });
      }
    }
  }

  private rememberSwap(id: string, entry: { ticker: string; swap: WindowSwap }): void {
    this.recentSwaps.set(id, entry);
    if (this.recentSwaps.size > RECENT_SWAPS_KEPT) this.recentSwaps.delete(this.recentSwaps.keys().next().value as string);
  }

  private async saveLastTrades(): Promise<void> {
    if (this.dirtyLastTrades.size === 0 || !this.store) return;
    const batch = new Map(this.dirtyLastTrades);
    this.dirtyLastTrades.clear();
    try {
      await this.store.saveLastTrades(batch);
    } catch (error) {
      this.logger.warn(`saving last trade times failed: ${(error as Error).message}`);
      for (const [ticker, ms] of batch) if (!this.dirtyLastTrades.has(ticker)) this.dirtyLastTrades.set(ticker, ms);
    }
  }
}
