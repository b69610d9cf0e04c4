/**
 * The seed-000 client-side query (`ws_apply_filters`): filters, search, sort, pagination, time range.
 * Raw values arrive as query-string strings or, on update messages, as JSON values of any type.
 */
export interface RawQuery {
  [param: string]: unknown;
}

export interface QueryOptions {
  /** default for `time_field` when the client gives none (seed: "timestamp", comparative series: "time") */
  defaultTimeField?: string;
  /** default page size when `page_size` is absent: unset means "all rows" */
  defaultPageSize?: number;
  /** cap for `page_size` */
  maxPageSize?: number;
  /** default `sort_order` (event_logs: desc) */
  defaultSortOrder?: 'asc' | 'desc';
  /**
   * the fields clients may name (see `rowFields()`): a field outside it is an error naming the param.
   * Unset: any name but a reserved one.
   */
  rowFields?: readonly string[];
}

/** A validated, compiled query: compiled once at subscribe time, applied on every refresh. */
export interface CompiledQuery {
  /** canonical, order-independent string of the normalised params: equal keys render equal views */
  readonly key: string;
  /** the normalised params, for echoing in frames (`query_params`) */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface QueryResult<T> {
  rows: T[];
  /** number of matches before pagination */
  count: number;
}

/**
 * A refusal of client input, answered with a 4xx or an error frame. It is an expected outcome, not a fault, so it is
 * built without a stack trace: capturing one costs more than the rest of a refusal, and a client sending bad input
 * as fast as it may (issue 9's floods) would otherwise buy that cost with every message.
 */
export abstract class ClientInputError extends Error {
  constructor(message: string) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Bad query input: `details` names each parameter and what is wrong with it. */
export class QueryValidationError extends ClientInputError {
  override name = 'QueryValidationError';
  constructor(readonly details: Array<{ param: string; message: string }>) {
    super(details.map((d) => `${d.param}: ${d.message}`).join('; '));
  }
}
