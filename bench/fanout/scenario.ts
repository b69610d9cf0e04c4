/**
 * What both servers of the fan-out benchmark serve: the client count, the 50 filter sets (subscriber
 * groups), and the frame header both sides share so clients can time a frame without parsing it.
 */
import { performance } from 'node:perf_hooks';

export const CLIENTS = Number(process.env.FANOUT_CLIENTS ?? 5_000);
export const ROWS_PER_SNAPSHOT = 2_000;
export const PAGE_SIZE = 50;
export const STREAM_NAME = 'fanout-bench';
export const STREAM_PATH = '/bench/fanout';
/** on /v1/stream the stream is `bench.fanout` (group + last path segment) */
export const STREAM_GROUP = 'bench';
export const MULTIPLEX_STREAM = 'bench.fanout';
export const MULTIPLEX_PATH = '/v1/stream';

/**
 * `paths` (default): each client connects to the stream's own path with its filter set in the query string.
 * `stream`: each client connects to /v1/stream and subscribes to `bench.fanout` with its filter set as params.
 */
export type FanoutScenario = 'paths' | 'stream';
export const SCENARIO: FanoutScenario = process.env.FANOUT_SCENARIO === 'stream' ? 'stream' : 'paths';

const CHAINS = ['ethereum', 'solana', 'tron', 'bsc', 'polygon', 'arbitrum', 'avalanche', 'base'];
const CATEGORIES = ['stablecoin', 'defi', 'layer-1', 'layer-2', 'meme'];
const SORTS = ['market_cap', 'price', 'volume_24h', 'change_24h', 'rank'];

/**
 * 50 distinct filter sets as URL query params, each a page of up to 50 rows of the 2,000-row snapshot:
 * 40 chain x sort combinations, 5 category filters, 3 market-cap thresholds (page 2), 2 searches.
 */
export function filterSets(): Array<Record<string, string>> {
  const sets: Array<Record<string, string>> = [];
  CHAINS.forEach((chain, c) =>
    SORTS.forEach((sort, s) =>
      sets.push({ filters: JSON.stringify({ chain }), sort_by: sort, sort_order: (c + s) % 2 ? 'asc' : 'desc', page_size: String(PAGE_SIZE) }),
    ),
  );
  for (const category of CATEGORIES) sets.push({ filters: JSON.stringify({ category }), sort_by: 'volume_24h', sort_order: 'desc', page_size: String(PAGE_SIZE) });
  for (const floor of [1e6, 1e7, 1e8]) {
    sets.push({ filters: JSON.stringify({ market_cap: `>${floor}` }), sort_by: 'price', sort_order: 'desc', page: '2', page_size: String(PAGE_SIZE) });
  }
  sets.push({ search: 'usd', sort_by: 'market_cap', sort_order: 'desc', page_size: String(PAGE_SIZE) });
  sets.push({ search: 'gold', sort_by: 'change_24h', sort_order: 'asc', page_size: String(PAGE_SIZE) });
  return sets;
}

export const GROUPS = filterSets().length;

/** Group of the i-th client: round-robin, so every group has CLIENTS / GROUPS members. */
export const groupOf = (client: number): number => client % GROUPS;

/**
 * Every data frame of both servers holds, after the protocol's own fields (`"type":"view","seq":N,` and on
 * /v1/stream `"sub":"<id>",`), `"t0":<16 digits>,"tick":<7 digits>,`: t0 = epoch microseconds when the tick
 * started on the server, tick = tick number (from 1,000,000 so it always has 7 digits). Fixed widths after the
 * `"t0":` key let the bare server patch the gateway's bytes in place and let clients read both numbers without
 * parsing the frame.
 */
const T0_KEY = Buffer.from('"t0":');
export const T0_DIGITS = 16;
export const SEQ_DIGITS = 7;
export const FIRST_SEQ = 1_000_000;
/** the protocol prefix is short: the key is looked for in the first bytes only */
const HEADER_SCAN_BYTES = 128;

/** Offsets of the t0 and tick digits in a frame, or undefined when it has none (a control frame). */
export function headerOffsets(frame: Buffer): { t0: number; seq: number } | undefined {
  const key = frame.subarray(0, HEADER_SCAN_BYTES).indexOf(T0_KEY);
  if (key < 0) return undefined;
  const t0 = key + T0_KEY.length;
  return { t0, seq: t0 + T0_DIGITS + ',"tick":'.length };
}

/** Wall-clock epoch in microseconds with sub-ms resolution, comparable across processes on one machine. */
export function epochMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export function readDigits(frame: Buffer, offset: number, digits: number): number {
  let value = 0;
  for (let i = offset; i < offset + digits; i++) {
    const digit = frame[i] - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

export function writeDigits(frame: Buffer, offset: number, digits: number, value: number): void {
  frame.write(String(value).padStart(digits, '0'), offset, digits, 'latin1');
}
