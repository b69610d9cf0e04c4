import { FlowMarket, FlowPoint } from './point-series';
import { TrackedToken } from './tracked-tokens';
import { StatWindow } from './windows';

/**
 * A venue's trade flows for one market. Every source gives closed points on the windows' own grids, so venues
 * can be added (and summed per instant) without the ingestion knowing how each one gets them.
 */
export interface FlowSource {
  /** named in `vs-token/list` and the README: which venues a figure covers */
  readonly venue: string;
  readonly market: FlowMarket;
  /** whether the venue lists this token in this market */
  covers(token: TrackedToken): boolean;
  /**
   * The closed points of `window` after `afterInstant` (exclusive; undefined = a full retention back from now),
   * up to the newest instant closed at `nowMs`, oldest first. `signal` aborts the call (shutdown).
   */
  fetchPoints(token: TrackedToken, window: StatWindow, afterInstant: number | undefined, nowMs: number, signal?: AbortSignal): Promise<FlowPoint[]>;
}

export const FLOW_SOURCES = Symbol('FLOW_SOURCES');
