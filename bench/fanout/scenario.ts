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
 * Every frame of both servers starts with `{"t0":<16 digits>,"seq":<7 digits>,`: t0 = epoch
 * microseconds when the tick started on the server, seq = tick number (from 1,000,000 so it always
 * has 7 digits). Fixed widths let the bare server patch the gateway's bytes in place and let clients
 * read both numbers at fixed offsets.
 */
export const T0_OFFSET = 6; // `{"t0":`
export const T0_DIGITS = 16;
export const SEQ_OFFSET = T0_OFFSET + T0_DIGITS + 7; // `,"seq":`
export const SEQ_DIGITS = 7;
export const FIRST_SEQ = 1_000_000;

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
