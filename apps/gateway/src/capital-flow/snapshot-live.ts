import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OncePerWindow } from '@app/observability';
import type { ApiConsumer } from '@app/api-keys';
import {
  CloseCode,
  EVENT_LOG,
  eventGatewayFor,
  eventLogSource,
  objectBody,
  refusal,
  type Charge,
  type EventLog,
  type EventSelection,
  type EventSource,
  type EventStreamContext,
  type EventStreamDefinition,
  type LoggedEvent,
  type RawParams,
  type StreamEvent,
  type UpgradeRequest,
  type Verdict,
} from '@app/realtime';
import { CAPITAL_FLOW_PATHS } from './capital-flow.controller';
import { CapitalFlowMetrics } from './capital-flow.metrics';
import { CapitalFlowService } from './capital-flow.service';
import { OpenApiAccess, POINTS_COST } from './open-api-access';
import { OPEN_API_CODES, OpenApiError } from './open-api-envelope';
import { isEmptySnapshot, type CoinTradeSnapshot } from './snapshot';
import type { TrackedToken } from './tracked-tokens';
import { parseVsTokenId, VS_TOKEN_ID_MAX } from './vs-token-id';

/** The event stream of token snapshots (its name on `/v1/stream`). */
export const SNAPSHOT_LIVE_STREAM = 'capital-flow.snapshot';

/** One event: a token's snapshot as of a sync that moved its 5-minute point. */
export interface SnapshotEvent {
  vsTokenId: number;
  data: CoinTradeSnapshot;
  sentAtMs: number;
}

interface SnapshotParams {
  vsTokenId: number;
}

interface SnapshotPrincipal {
  consumer: ApiConsumer;
  token: TrackedToken;
}

const INVALID_TOKEN_DETAIL = [{ param: 'vsTokenId', message: 'a vsTokenId from POST /api/open/v1/vs-token/list' }];

/**
 * `WS /api/open/v1/trade/snapshot/live?vsTokenId=<id>` (and `capital-flow.snapshot` on `/v1/stream`): the upgrade is
 * signed like a REST call (X-API-KEY, X-TIMESTAMP, X-SIGN over timestamp + "GET" + path with query + empty body).
 * Starts with the token's latest snapshot, then each time a sync moves its 5-minute point:
 * `{type: "snapshot", seq, vsTokenId, data, sent_at}`. Every snapshot sent costs what the REST call does (3 points);
 * an exhausted key gets `points_exhausted` and 4403.
 */
@Injectable()
export class SnapshotLiveStream implements EventStreamDefinition<SnapshotEvent, SnapshotParams, SnapshotPrincipal>, OnApplicationShutdown {
  readonly name = SNAPSHOT_LIVE_STREAM;
  readonly path = CAPITAL_FLOW_PATHS.live;
  readonly metricsLabel = 'capital-flow-live';
  readonly source: EventSource<SnapshotEvent, SnapshotParams>;
  private readonly logger = new Logger('CapitalFlowLive');
  private readonly appendFailures = new OncePerWindow(60_000, 1);
  private readonly latestByToken = new Map<number, LoggedEvent<SnapshotEvent>>();
  /** one verification per upgrade: the replay guard refuses a second check of the same signature */
  private readonly verified = new WeakMap<UpgradeRequest, Promise<ApiConsumer>>();
  private readonly stopSync: () => void;
  private readonly stopLog: () => void;

  constructor(
    private readonly flows: CapitalFlowService,
    private readonly access: OpenApiAccess,
    private readonly metrics: CapitalFlowMetrics,
    @Inject(EVENT_LOG) private readonly log: EventLog,
  ) {
    this.source = eventLogSource<SnapshotEvent>(log, SNAPSHOT_LIVE_STREAM);
    this.stopLog = log.subscribe<SnapshotEvent>(SNAPSHOT_LIVE_STREAM, (event) => this.latestByToken.set(event.payload.vsTokenId, event));
    // one append per snapshot across the cluster: the ingesting leader's; the other replicas' sockets get it from the log
    this.stopSync = flows.onSync((report) => {
      if (report.role !== 'ingester') return;
      for (const id of report.advanced) {
        const token = flows.token(id);
        // a log that cannot be written (Redis down) loses this live push only: points are stored, the next sync
        // pushes the then-latest snapshot, and REST serves it meanwhile
        if (token) this.append(token).catch((error: Error) => this.warnAppendFailed(error));
      }
    });
  }

  onApplicationShutdown(): void {
    this.stopSync();
    this.stopLog();
  }

  parse(raw: RawParams): Verdict<SnapshotParams> {
    const unknown = Object.keys(raw).filter((name) => name !== 'vsTokenId');
    if (unknown.length > 0) {
      return refusal('invalid_params', 'invalid query', CloseCode.PolicyViolation, unknown.map((param) => ({ param, message: 'unknown parameter' })));
    }
    const value = Object.prototype.hasOwnProperty.call(raw, 'vsTokenId') ? raw.vsTokenId : undefined;
    const id = parseVsTokenId(value);
    // the raw value is never echoed: only the parsed (bounded) id
    if (value === undefined) return refusal('invalid_params', 'vsTokenId is required', CloseCode.PolicyViolation, INVALID_TOKEN_DETAIL);
    if (id === undefined) return refusal('invalid_params', `vsTokenId must be an integer 1..${VS_TOKEN_ID_MAX}`, CloseCode.PolicyViolation, INVALID_TOKEN_DETAIL);
    return { ok: true, value: { vsTokenId: id } };
  }

  /** The signed upgrade first, then the token (an unsigned client learns nothing about the token list). */
  async authenticate(params: SnapshotParams, context: EventStreamContext): Promise<Verdict<SnapshotPrincipal>> {
    let consumer: ApiConsumer;
    try {
      let verifying = this.verified.get(context.request);
      if (!verifying) {
        verifying = this.access.authenticate(context.request);
        this.verified.set(context.request, verifying);
      }
      consumer = await verifying;
    } catch (error) {
      if (!(error instanceof OpenApiError)) this.logger.error(error instanceof Error ? error.message : String(error));
      const message = error instanceof OpenApiError ? `${error.code}: ${error.message}` : 'authentication failed';
      return refusal('unauthorized', message, CloseCode.Unauthorized);
    }
    const token = this.flows.token(params.vsTokenId);
    if (!token) return refusal('invalid_params', `unknown vsTokenId ${params.vsTokenId}`, CloseCode.PolicyViolation, INVALID_TOKEN_DETAIL);
    return { ok: true, value: { consumer, token } };
  }

  select(_principal: SnapshotPrincipal, params: SnapshotParams): EventSelection<SnapshotEvent> {
    return { accepts: (event) => event.vsTokenId === params.vsTokenId };
  }

  /**
   * The token's latest snapshot event; the first client of a token since start makes one (appended by the leader; a
   * follower sends it unlogged, at the log's head, so that resuming from it misses nothing). With no point stored yet
   * (an upstream outage since start) there is nothing to send, and nothing is charged: the client gets the welcome and
   * the first snapshot once points exist, as REST answers 50300 rather than an empty snapshot.
   */
  async initial(principal: SnapshotPrincipal): Promise<StreamEvent<SnapshotEvent>[]> {
    const latest = this.latestByToken.get(principal.token.vsTokenId);
    if (latest) return [latest];
    if (isEmptySnapshot(this.flows.snapshot(principal.token, Date.now()))) return [];
    if (this.flows.leading) return [await this.append(principal.token)];
    const now = Date.now();
    const seq = await this.log.head(SNAPSHOT_LIVE_STREAM);
    return [{ seq, payload: { vsTokenId: principal.token.vsTokenId, data: this.flows.snapshot(principal.token, now), sentAtMs: now } }];
  }

  render(event: StreamEvent<SnapshotEvent>): Buffer {
    const { vsTokenId, data, sentAtMs } = event.payload;
    return objectBody(JSON.stringify({ type: 'snapshot', seq: event.seq, vsTokenId: String(vsTokenId), data, sent_at: Math.floor(sentAtMs / 1000) }));
  }

  async charge(principal: SnapshotPrincipal): Promise<Charge> {
    try {
      await this.access.charge(principal.consumer, POINTS_COST.snapshot);
    } catch (error) {
      if (error instanceof OpenApiError && error.code === OPEN_API_CODES.pointsExhausted) {
        return refusal('points_exhausted', error.message, CloseCode.Forbidden);
      }
      this.logger.error(`charging a live snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
      return refusal('overloaded', 'points could not be charged, retry later', CloseCode.TryAgainLater);
    }
    this.metrics.pointsCharged.inc({ route: CAPITAL_FLOW_PATHS.live }, POINTS_COST.snapshot);
    return { ok: true };
  }

  private warnAppendFailed(error: Error): void {
    const suppressed = this.appendFailures.take('append');
    if (suppressed !== undefined) this.logger.warn(`live snapshot not pushed, the event log failed: ${error.message}${suppressed ? ` (${suppressed} more in the last minute)` : ''}`);
  }

  private append(token: TrackedToken): Promise<LoggedEvent<SnapshotEvent>> {
    const now = Date.now();
    return this.log.append<SnapshotEvent>(SNAPSHOT_LIVE_STREAM, { vsTokenId: token.vsTokenId, data: this.flows.snapshot(token, now), sentAtMs: now });
  }
}

/** Binds the path to the realtime layer. */
export class SnapshotLiveGateway extends eventGatewayFor(CAPITAL_FLOW_PATHS.live, SnapshotLiveStream) {}
