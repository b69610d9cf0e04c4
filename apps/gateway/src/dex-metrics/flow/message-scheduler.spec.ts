import { DexMetricsBook } from '../domain/metrics-book';
import type { DexMessage } from './dex-message';
import { MAX_BATCH_DELAY_MS, MessageScheduler } from './message-scheduler';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const TICKER = 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae-USD';
const QUASI = { createdTime: 1_619_136_000, token0LiquidityUsd: 1000, token1LiquidityUsd: 1000, token0Supply: 5e9, token1Supply: 2e7 };

function setup(batchDelayMs = 10_000) {
  const book = new DexMetricsBook();
  const sent: DexMessage[] = [];
  const violations: string[][] = [];
  const refreshed: string[] = [];
  const scheduler = new MessageScheduler(book, { publish: (m) => sent.push(m) }, {
    batchDelayMs,
    refreshQuasiStatic: (ticker) => {
      refreshed.push(ticker);
      book.setQuasiStatic(ticker, { ...QUASI, token0Supply: QUASI.token0Supply + refreshed.length });
    },
    onInvariantViolation: (_ticker, problems) => violations.push(problems),
  });
  const maker = (n: number) => book.interner.intern(`0x${n.toString(16).padStart(40, '0')}`);
  /** a swap at the current (fake) time, as the log source reports it */
  const trade = (side: 'buy' | 'sell', usd: number, makerNo: number, ticker = TICKER) => {
    const timeSec = Math.floor(Date.now() / 1000);
    book.addTrade(ticker, { timeSec, side, usdCents: Math.round(usd * 100), makerId: maker(makerNo) });
    scheduler.onTrade(ticker, timeSec * 1000);
  };
  return { book, sent, violations, refreshed, scheduler, trade };
}

describe('MessageScheduler (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it('starts the messages of a newly listed symbol (zeros before any swap)', () => {
    const { sent, scheduler, book } = setup();
    scheduler.list(TICKER);
    book.setQuasiStatic(TICKER, QUASI);
    expect(sent).toHaveLength(0); // batched, not instant
    jest.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ key: TICKER, sentAtMs: T0 + 10_000 });
    expect(sent[0].value).toMatchObject({ txs_count_24h: 0, total_liquidity: 2000, token0_supply: 5e9, created_time: 1_619_136_000 });
  });

  it('coalesces the swaps of one batch window into one up-to-date message with all resolutions', () => {
    const { sent, scheduler, trade } = setup();
    scheduler.list(TICKER);
    jest.advanceTimersByTime(10_000);
    sent.length = 0;

    trade('buy', 100, 1);
    jest.advanceTimersByTime(3_000);
    trade('sell', 40.5, 2);
    jest.advanceTimersByTime(3_000);
    trade('buy', 10, 1);
    jest.advanceTimersByTime(3_999);
    expect(sent).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    for (const res of ['5m', '1h', '4h', '12h', '24h']) {
      expect(sent[0].value).toMatchObject({
        [`buy_volume_${res}`]: 110,
        [`sell_volume_${res}`]: 40.5,
        [`trades_volume_${res}`]: 150.5,
        [`buys_${res}`]: 2,
        [`sells_${res}`]: 1,
        [`txs_count_${res}`]: 3,
        [`buyers_${res}`]: 1,
        [`sellers_${res}`]: 1,
        [`txs_count_uniq_${res}`]: 2,
      });
    }
  });

  it('sends follow-ups when the swap leaves each window: 5m, 1h, 4h, 12h and 24h after it', () => {
    const { sent, scheduler, trade } = setup();
    scheduler.list(TICKER);
    jest.advanceTimersByTime(10_000);
    sent.length = 0;
    const tradeAt = Date.now();
    trade('buy', 25, 1);
    jest.advanceTimersByTime(25 * HOUR);

    const at = sent.map((m) => m.sentAtMs - tradeAt);
    expect(at).toEqual([10_000, 5 * MIN + 10_000, HOUR + 10_000, 4 * HOUR + 10_000, 12 * HOUR + 10_000, 24 * HOUR + 10_000]);
    const counts = sent.map((m) => ['5m', '1h', '4h', '12h', '24h'].map((r) => (m.value as Record<string, number>)[`txs_count_${r}`]));
    expect(counts).toEqual([
      [1, 1, 1, 1, 1],
      [0, 1, 1, 1, 1],
      [0, 0, 1, 1, 1],
      [0, 0, 0, 1, 1],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
    ]);
    expect(sent[1].value).toMatchObject({ buy_volume_5m: 0, buy_volume_1h: 25, buyers_5m: 0, buyers_1h: 1 });
  });

  it('with no swap for over 24 h sends a message every 24 h from the last swap, zeros and refreshed quasi-static figures', () => {
    const { sent, scheduler, trade, refreshed, book } = setup();
    scheduler.list(TICKER);
    book.setQuasiStatic(TICKER, QUASI);
    jest.advanceTimersByTime(10_000);
    const tradeAt = Date.now();
    trade('sell', 7, 3);
    jest.advanceTimersByTime(24 * HOUR + 10_000);
    sent.length = 0;
    refreshed.length = 0;

    jest.advanceTimersByTime(72 * HOUR);
    expect(sent.map((m) => m.sentAtMs - tradeAt)).toEqual([48 * HOUR + 10_000, 72 * HOUR + 10_000, 96 * HOUR + 10_000]);
    expect(refreshed).toEqual([TICKER, TICKER, TICKER]);
    for (const message of sent) {
      const value = message.value as Record<string, number>;
      expect(Object.entries(value).filter(([k, v]) => /_(5m|1h|4h|12h|24h)$/.test(k) && v !== 0)).toEqual([]);
    }
    // each heartbeat carries the quasi-static figures refreshed for it
    expect(sent.map((m) => m.value?.token0_supply)).toEqual([5e9 + 1, 5e9 + 2, 5e9 + 3]);
  });

  it('a symbol with no swap at all gets its 24 h messages from the time it was listed', () => {
    const { sent, scheduler } = setup();
    scheduler.list(TICKER);
    jest.advanceTimersByTime(49 * HOUR);
    expect(sent.map((m) => m.sentAtMs - T0)).toEqual([10_000, 24 * HOUR + 10_000, 48 * HOUR + 10_000]);
  });

  it('delisting sends one tombstone (null value), then nothing more for that key', () => {
    const { sent, scheduler, trade } = setup();
    scheduler.list(TICKER);
    scheduler.list('eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640-USD');
    jest.advanceTimersByTime(10_000);
    trade('buy', 5, 1); // pending when the symbol goes
    scheduler.delist(TICKER);
    const tombstoneIndex = sent.length - 1;
    expect(sent[tombstoneIndex]).toEqual({ key: TICKER, value: null, sentAtMs: T0 + 10_000 });

    trade('buy', 5, 1); // ignored: not listed any more
    jest.advanceTimersByTime(72 * HOUR);
    expect(sent.slice(tombstoneIndex + 1).filter((m) => m.key === TICKER)).toEqual([]);
    expect(sent.filter((m) => m.key !== TICKER).length).toBeGreaterThan(1); // the other symbol goes on
    scheduler.delist(TICKER); // a second delist is a no-op
    expect(sent.filter((m) => m.key === TICKER && m.value === null)).toHaveLength(1);
  });

  it('never sends a message more than 30 s after it became due, even with swaps arriving all the time', () => {
    const { sent, scheduler, trade } = setup(MAX_BATCH_DELAY_MS);
    scheduler.list(TICKER);
    let lastSwapAt = 0;
    for (let i = 0; i < 200; i++) {
      trade(i % 3 ? 'buy' : 'sell', 1 + i, i % 7);
      lastSwapAt = Date.now();
      jest.advanceTimersByTime(2_000);
    }
    jest.advanceTimersByTime(MAX_BATCH_DELAY_MS);
    // 400 s of swaps every 2 s: one message per 30 s batch, not one per swap
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(400_000 / MAX_BATCH_DELAY_MS) + 1);
    const gaps = sent.slice(1).map((m, i) => m.sentAtMs - sent[i].sentAtMs);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_BATCH_DELAY_MS + 2_000);
    expect(sent[sent.length - 1].sentAtMs - lastSwapAt).toBeLessThanOrEqual(MAX_BATCH_DELAY_MS);
    expect(sent[sent.length - 1].value?.txs_count_24h).toBe(200);
  });

  it('never sends a message that breaks an invariant: it is reported instead', () => {
    const { sent, scheduler, violations, book } = setup();
    scheduler.list(TICKER);
    book.setQuasiStatic(TICKER, { ...QUASI, token0Supply: -1 }); // clamped to 0: still valid
    jest.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(1);
    // a broken value (as a bug would produce) is held back
    jest.spyOn(book, 'valueAt').mockReturnValue({ ...sent[0].value!, txs_count_5m: 3 });
    scheduler.onTrade(TICKER);
    jest.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(1);
    expect(violations).toEqual([['txs_count_5m != buys_5m + sells_5m', 'txs_count_1h < txs_count_5m']]);
  });

  it('refuses a batch delay over the 30 s the seed allows', () => {
    expect(() => new MessageScheduler(new DexMetricsBook(), { publish: () => undefined }, { batchDelayMs: 30_001 })).toThrow(RangeError);
  });
});
