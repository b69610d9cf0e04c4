import type { Type } from '@nestjs/common';
import { applyQuery, type CompiledQuery, type QueryMemo, type QueryOptions } from '@app/query';
import type { UpstreamBudget } from '@app/upstream';

/** What one refresh of a stream loaded. */
export interface StreamLoad<D> {
  data: D;
  /** epoch ms of the oldest upstream value inside `data` */
  fetchedAt: number;
  /** true when some of `data` could not be refreshed because its upstream failed (the cache served the last good value) */
  stale?: boolean;
  /** with `stale`: which upstream failed and how (the frame's `stale_reason`) */
  staleReason?: string;
  /**
   * epoch ms when the first part of `data` stops being fresh: the next refresh is due then. Parts may have different
   * TTLs; without it the hub assumes `fetchedAt` + the stream's `refresh.freshMs`.
   */
  freshUntil?: number;
  /** parts that could not be loaded this time: the frame is partial and says so */
  missing?: Array<{ source: string; reason: string }>;
}

/** How often a stream may refresh: the inputs of `adaptive_interval`. */
export interface RefreshPolicy {
  /** how long loaded data stays fresh (the cache's fresh TTL): refreshing sooner only re-reads the cache */
  freshMs: number;
  /** upstream calls one refresh makes when the cache is cold */
  callsPerRefresh: number;
  /** the request budget those calls draw from */
  budget?: UpstreamBudget;
}

export interface RenderContext {
  /** epoch ms of this render */
  now: number;
  /** shared by the views of one refresh: pass it to `applyQuery` so views with the same filters match once */
  memo?: QueryMemo;
}

/**
 * One WebSocket stream: its path, its upstream params, how to load and how to render a view.
 * Features declare these; the hub does connections, grouping, scheduling and sending.
 */
export interface StreamDefinition<P extends object = object, D = unknown> {
  /** short name used in logs and metrics */
  readonly name: string;
  /** full WebSocket path, e.g. /tzone_apis/services/stablecoins/btc_dom */
  readonly path: string;
  /** class-validator DTO of the stream's upstream params (absent: the stream takes none) */
  readonly paramsType?: Type<P>;
  /** defaults of the filter pipe for this stream (time field, page size, sort order) */
  readonly queryOptions?: QueryOptions;
  /**
   * the fields of the rows the filter pipe runs over, from `rowFields<Row>({...})`: a client naming another one
   * in `filters`, `sort_by`, `time_field` or `dedupe_key` gets an `invalid_params` error
   */
  readonly rowFields: readonly string[];
  /** seed-000 streams need a JWT when auth is required */
  readonly requiresAuth: boolean;
  readonly refresh: RefreshPolicy;
  /** loads upstream data for one set of upstream params (through the cache) */
  load(params: P): Promise<StreamLoad<D>>;
  /** renders one view: the frame body without `adaptive_interval`/`timestamp`, which the hub adds */
  render(data: D, query: CompiledQuery, params: P, context: RenderContext): Record<string, unknown>;
}

export type AnyStreamDefinition = StreamDefinition<any, any>;

/** A view stream (seed 000: latest state, re-rendered per refresh), as issue 10 names the kinds. */
export type ViewStreamDefinition<P extends object = object, D = unknown> = StreamDefinition<P, D>;

/** The seed's list frame: `{ [key]: page, count }`, with `count` the matches before pagination. */
export function filteredList<T>(key: string, rows: readonly T[], query: CompiledQuery, { now, memo }: RenderContext): Record<string, unknown> {
  const result = applyQuery(rows, query, now, memo);
  return { [key]: result.rows, count: result.count };
}
