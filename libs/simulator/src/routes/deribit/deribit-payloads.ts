import { DriftModel, hashString, mulberry32 } from '../../random';

/** One row of `public/get_book_summary_by_currency` (field set of the recorded 2022 option rows, plus newer fields). */
export type BookSummaryRow = Record<string, string | number | null>;

export interface JsonRpcEnvelope {
  jsonrpc: '2.0';
  result: BookSummaryRow[];
  usIn: number;
  usOut: number;
  usDiff: number;
  testnet: boolean;
}

/** How far simulated Deribit values move (relative). */
export const DERIBIT_DRIFT = { index: 0.03, openInterest: 0.1 } as const;

/** Strike grid of the synthesised chain: this many steps either side of the at-the-money strike. */
const STRIKE_STEPS = 2;
const STRIKE_SPACING = 5_000;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

/** The BTC index the simulator moves: the recorded recent future rows' `estimated_delivery_price`. */
export function simulatedIndexPrice(recordedIndex: number, drift: DriftModel, nowMs: number): number {
  return round(recordedIndex * drift.factor('deribit.btc.index', nowMs, DERIBIT_DRIFT.index), 2);
}

/** Deribit's expiry code: day without leading zero, month, 2-digit year (`5JUL24`, `27DEC24`). */
export function expiryCode(expiryMs: number): string {
  const date = new Date(expiryMs);
  return `${date.getUTCDate()}${MONTHS[date.getUTCMonth()]}${String(date.getUTCFullYear() % 100).padStart(2, '0')}`;
}

/**
 * The listed expiries at `nowMs` (08:00 UTC on Fridays): the next two weeklies, the next three month-ends (last
 * Friday of the month) and the next quarter-end, without duplicates.
 */
export function simulatedExpiries(nowMs: number): number[] {
  const expiries = new Set<number>();
  let friday = nextFriday0800(nowMs);
  for (let i = 0; i < 2; i++, friday += 7 * DAY_MS) expiries.add(friday);
  const now = new Date(nowMs);
  const monthly: number[] = [];
  for (let offset = 0; monthly.length < 3; offset++) {
    const expiry = lastFriday0800(now.getUTCFullYear(), now.getUTCMonth() + offset);
    if (expiry > nowMs) monthly.push(expiry);
  }
  monthly.forEach((expiry) => expiries.add(expiry));
  for (let offset = 0; ; offset++) {
    const month = now.getUTCMonth() + offset;
    if (((month % 12) + 1) % 3 !== 0) continue;
    const expiry = lastFriday0800(now.getUTCFullYear(), month);
    if (expiry > monthly[monthly.length - 1]) {
      expiries.add(expiry);
      break;
    }
  }
  return [...expiries].sort((a, b) => a - b);
}

/**
 * SYNTHESISED (the recording has 2 option rows): a BTC option chain at `nowMs` in the recorded row shape. For each
 * expiry, strikes every 5,000 USD around the index, a call and a put each. Open interest per instrument is fixed by
 * the seed (larger near the money) and moves with the drift; `underlying_price` carries a small contango; prices
 * are in BTC as on Deribit. About one row in eight has no quotes and no volume, like the recorded far put.
 */
export function simulateOptionChain(recordedIndex: number, seed: number, drift: DriftModel, nowMs: number): BookSummaryRow[] {
  const index = simulatedIndexPrice(recordedIndex, drift, nowMs);
  const atTheMoney = Math.round(index / STRIKE_SPACING) * STRIKE_SPACING;
  const rows: BookSummaryRow[] = [];
  for (const expiry of simulatedExpiries(nowMs)) {
    const code = expiryCode(expiry);
    const years = Math.max((expiry - nowMs) / YEAR_MS, 1 / 365);
    const underlying = round(index * (1 + 0.05 * years), 2);
    for (let step = -STRIKE_STEPS; step <= STRIKE_STEPS; step++) {
      const strike = atTheMoney + step * STRIKE_SPACING;
      for (const side of ['C', 'P'] as const) {
        const name = `BTC-${code}-${strike}-${side}`;
        const random = mulberry32(hashString(`${seed}|deribit.option|${name}`));
        const moneyness = Math.abs(Math.log(strike / underlying));
        const baseOpenInterest = (100 + random() * 1_900) * Math.exp(-4 * moneyness);
        const openInterest = round(baseOpenInterest * drift.factor(`deribit.option.${name}.oi`, nowMs, DERIBIT_DRIFT.openInterest), 1);
        const quiet = random() < 0.125;
        const iv = 0.45 + 0.6 * moneyness;
        const intrinsic = Math.max(0, side === 'C' ? underlying - strike : strike - underlying);
        const timeValue = 0.4 * iv * Math.sqrt(years) * underlying * Math.exp(-(moneyness ** 2) / (2 * iv * iv * years));
        const mark = round((intrinsic + timeValue) / underlying, 8);
        const volume = quiet ? 0 : round(random() * openInterest * 0.2, 1);
        const tick = 0.0005;
        rows.push({
          volume,
          volume_usd: round(volume * mark * index, 2),
          underlying_price: underlying,
          underlying_index: `BTC-${code}`,
          quote_currency: 'BTC',
          price_change: quiet ? null : round((random() - 0.5) * 20, 4),
          open_interest: openInterest,
          mid_price: quiet ? null : round(Math.max(tick, Math.round(mark / tick) * tick), 4),
          mark_price: mark,
          mark_iv: round(iv * 100, 2),
          low: quiet ? null : round(mark * 0.9, 4),
          last: round(mark * (0.95 + random() * 0.1), 4),
          interest_rate: 0,
          instrument_name: name,
          high: quiet ? null : round(mark * 1.1, 4),
          estimated_delivery_price: index,
          creation_timestamp: nowMs,
          bid_price: quiet ? null : round(Math.max(tick, Math.floor(mark / tick) * tick - tick), 4),
          base_currency: 'BTC',
          ask_price: quiet ? null : round(Math.ceil(mark / tick) * tick + tick, 4),
        });
      }
    }
  }
  return rows;
}

/** The recorded future rows (`kind=future`) with open interest and prices moved, stamped `nowMs`. */
export function simulateFutureRows(recorded: readonly BookSummaryRow[], recordedIndex: number, drift: DriftModel, nowMs: number): BookSummaryRow[] {
  const index = simulatedIndexPrice(recordedIndex, drift, nowMs);
  const priceFactor = index / recordedIndex;
  const priceFields = ['high', 'low', 'last', 'bid_price', 'ask_price', 'mark_price', 'mid_price'];
  return recorded.map((row) => {
    const moved: BookSummaryRow = { ...row, estimated_delivery_price: index, creation_timestamp: nowMs };
    for (const field of priceFields) if (typeof row[field] === 'number') moved[field] = round((row[field] as number) * priceFactor, 2);
    if (typeof row.open_interest === 'number') {
      moved.open_interest = Math.round(row.open_interest * drift.factor(`deribit.future.${String(row.instrument_name)}.oi`, nowMs, DERIBIT_DRIFT.openInterest));
    }
    return moved;
  });
}

/** Deribit's JSON-RPC envelope around `result`, with microsecond timings. */
export function rpcEnvelope(result: BookSummaryRow[], nowMs: number): JsonRpcEnvelope {
  const usIn = nowMs * 1000;
  return { jsonrpc: '2.0', result, usIn, usOut: usIn + 173, usDiff: 173, testnet: false };
}

function nextFriday0800(nowMs: number): number {
  const date = new Date(nowMs);
  const today0800 = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 8);
  const daysAhead = (5 - date.getUTCDay() + 7) % 7;
  const candidate = today0800 + daysAhead * DAY_MS;
  return candidate > nowMs ? candidate : candidate + 7 * DAY_MS;
}

function lastFriday0800(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0, 8));
  const back = (lastDay.getUTCDay() - 5 + 7) % 7;
  return lastDay.getTime() - back * DAY_MS;
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
