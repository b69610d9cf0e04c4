import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { LEADERSHIP, type Leadership } from '@app/cluster';
import { capitalFlowConfig, type CapitalFlowConfig } from './capital-flow.config';
import { JobScheduler } from '@app/scheduling';
import { DATABASE, Database } from '@app/storage';
import { CapitalFlowMetrics } from './capital-flow.metrics';
import { FlowIngestor, SyncReport } from './flow-ingestor';
import { FLOW_SOURCES, FlowSource } from './flow-source';
import { PointStore } from './point-store';
import { SeriesIndex } from './series-index';
import { CoinTradeSnapshot } from './snapshot';
import { SnapshotCache } from './snapshot-cache';
import { FLOW_VENUES, TrackedToken } from './tracked-tokens';
import { registerTokens } from './token-registry';

/** One row of `vs-token/list`. */
export interface VsTokenItem {
  vsTokenId: string;
  symbol: string;
  name: string;
  hasSpotGoods: boolean;
  hasContract: boolean;
  /** the venues each market's figures sum */
  spotVenues: readonly string[];
  contractVenues: readonly string[];
}

/**
 * The capital-flow data: tracked tokens with their ids, every series in memory (loaded from the store at start),
 * and the ingestion that keeps them current. Snapshots are pure reads of memory. Ingestion is a cluster singleton:
 * the `capital-flow` leader fetches and writes (fenced by its term); the other replicas reload what it stored.
 */
@Injectable()
export class CapitalFlowService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CapitalFlow');
  private readonly index = new SeriesIndex();
  private readonly snapshots = new SnapshotCache(this.index);
  private readonly store: PointStore;
  private tokens: TrackedToken[] = [];
  private byId = new Map<number, TrackedToken>();
  private ingestor?: FlowIngestor;
  private readonly syncListeners = new Set<(report: SyncReport) => void>();

  constructor(
    @Inject(capitalFlowConfig.token) private readonly config: CapitalFlowConfig,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(FLOW_SOURCES) private readonly sources: FlowSource[],
    private readonly metrics: CapitalFlowMetrics,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    @Optional() private readonly jobs: JobScheduler = JobScheduler.detached(),
  ) {
    this.store = new PointStore(db);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.tokens = await registerTokens(this.db, this.config.tokens);
    this.byId = new Map(this.tokens.map((token) => [token.vsTokenId, token]));
    this.index.load(await this.store.loadAll());
    const ingestor = new FlowIngestor(this.tokens, this.sources, this.store, this.index, { logger: this.logger, led: true, jobs: this.jobs });
    this.ingestor = ingestor;
    ingestor.onSync((report) => {
      this.metrics.pointsIngested.inc(report.points);
      this.metrics.seriesFailed.inc(report.failed);
      this.metrics.syncDuration.observe(report.durationMs / 1000);
      this.syncListeners.forEach((listener) => listener(report));
    });
    if (this.config.ingest) ingestor.start();
    else this.logger.log('capital-flow ingestion is off (CAPITAL_FLOW_INGEST=false): serving stored points only');
    // with ingestion off the role is still held, so that `sync()` (tests, operators) ingests on one replica only
    this.leadership.register('capital-flow', { lead: async (term) => ingestor.lead(term) });
  }

  /** whether this replica ingests now (it leads `capital-flow`): only the leader announces new snapshots */
  get leading(): boolean {
    return this.leadership.term('capital-flow') !== undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ingestor?.stop();
  }

  /** Brings every series up to date now (tests, and the first pass at start). */
  sync(): Promise<SyncReport> {
    if (!this.ingestor) throw new Error('capital-flow is not started yet');
    return this.ingestor.sync();
  }

  onSync(listener: (report: SyncReport) => void): () => void {
    this.syncListeners.add(listener);
    return () => this.syncListeners.delete(listener);
  }

  token(vsTokenId: number): TrackedToken | undefined {
    return this.byId.get(vsTokenId);
  }

  listTokens(): VsTokenItem[] {
    return this.tokens.map((token) => ({
      vsTokenId: String(token.vsTokenId),
      symbol: token.symbol,
      name: token.name,
      hasSpotGoods: token.spotPair !== undefined,
      hasContract: token.futuresPair !== undefined,
      spotVenues: token.spotPair ? FLOW_VENUES.spot : [],
      contractVenues: token.futuresPair ? FLOW_VENUES.contract : [],
    }));
  }

  snapshot(token: TrackedToken, dateMs: number): CoinTradeSnapshot {
    return this.snapshots.snapshotOf(token, dateMs);
  }
}
