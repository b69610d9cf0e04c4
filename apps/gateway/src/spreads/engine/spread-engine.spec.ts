import type { Quote } from '../domain/quote';
import type { SpreadEvent } from '../domain/spread-event';
import { DEFAULT_SPREAD_ENGINE_CONFIG, SpreadEngineConfig, validateEngineConfig } from './engine-config';
import { SpreadEngine } from './spread-engine';

const T0 = 1_781_000_000_000;

function setup(overrides: Partial<SpreadEngineConfig> = {}) {
  let now = T0;
  const events: SpreadEvent[] = [];
  const config = { ...DEFAULT_SPREAD_ENGINE_CONFIG, openPct: 1, closePct: 0.5, maxQuoteAgeMs: 10_000, cooldownMs: 60_000, sanityCapPct: 30, minDexLiquidityUsd: 0, ...overrides };
  const engine = new SpreadEngine(config, (event) => events.push(event), () => now);
  const quote = (venue: string, kind: Quote['kind'], price: number, extra: Partial<Quote> = {}) =>
    engine.onQuote({ venue, kind, symbol: 'ZK_USDT', price, ts: now, volume24h: 1_000_000, ...extra });
  return {
    engine,
    events,
    quote,
    advance: (ms: number) => (now += ms),
    get now() {
      return now;
    },
  };
}

describe('SpreadEngine lifecycle', () => {
  it('opens on the first fresh detection above the open threshold, buy leg = cheaper, with marks', () => {
    const t = setup();
    t.quote('MEXC', 'spot', 100);
    t.quote('BYBIT', 'futures', 100.5, { mark: 100.4 });
    expect(t.events).toHaveLength(0); // 0.5 % < 1 %
    t.quote('BYBIT', 'futures', 101.5, { mark: 101.4 });
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({
      event: 'open',
      symbol: 'ZK_USDT',
      spread_type: 'spot/futures',
      buy_exchange: 'MEXC',
      buy_kind: 'spot',
      buy_price: 100,
      sell_exchange: 'BYBIT',
      sell_kind: 'futures',
      sell_price: 101.5,
      spread_percent: 1.5,
      buy_mark_price: null,
      sell_mark_price: 101.4,
      buy_leg: 'MEXC:spot',
      sell_leg: 'BYBIT:futures',
      fired_at_ms: T0,
    });
    // internal/futures 101.5 vs mark 101.4 is 0.099 %: nothing
    t.quote('BYBIT', 'futures', 101.6, { mark: 101.4 });
    expect(t.events).toHaveLength(1);
  });

  it('spread_percent = |a-b| / min(a,b) * 100 whichever leg is cheaper', () => {
    const t = setup();
    t.quote('GATE', 'spot', 0.0194);
    t.quote('MEXC', 'spot', 0.01423);
    expect(t.events).toHaveLength(0); // 36.33 % is over the 30 % sanity cap of this setup
    const wide = setup({ sanityCapPct: 50 });
    wide.quote('GATE', 'spot', 0.0194);
    wide.quote('MEXC', 'spot', 0.01423);
    expect(wide.events[0]).toMatchObject({ buy_exchange: 'MEXC', buy_price: 0.01423, sell_exchange: 'GATE', sell_price: 0.0194, spread_percent: 36.3317 });
  });

  it('hysteresis: stays open between close and open thresholds, one close below close threshold', () => {
    const t = setup();
    t.quote('BINANCE', 'futures', 100);
    t.quote('OKX', 'futures', 102); // 2 %
    t.quote('OKX', 'futures', 100.8); // 0.8 %: between 0.5 and 1 → still open
    t.quote('OKX', 'futures', 100.6); // 0.6 %
    expect(t.events.map((e) => e.event)).toEqual(['open']);
    t.advance(1_000);
    t.quote('OKX', 'futures', 100.4); // 0.4 % → close
    t.quote('OKX', 'futures', 100.3);
    expect(t.events.map((e) => e.event)).toEqual(['open', 'close']);
    expect(t.events[1]).toMatchObject({
      event: 'close',
      spread_type: 'futures/futures',
      buy_exchange: 'BINANCE',
      sell_exchange: 'OKX',
      sell_price: 100.4,
      spread_percent: 0.4,
      stale_since_ms: T0 + 1_000,
      close_reason: 'below_close',
    });
    expect(t.events[1].buy_mark_price).toBeUndefined();
  });

  it('cooldown: the same key does not reopen before cooldownMs, then does', () => {
    const t = setup({ cooldownMs: 60_000 });
    t.quote('BINANCE', 'spot', 100);
    t.quote('KUCOIN', 'spot', 102);
    t.quote('KUCOIN', 'spot', 100.1);
    expect(t.events.map((e) => e.event)).toEqual(['open', 'close']);
    t.advance(30_000);
    t.quote('BINANCE', 'spot', 100);
    t.quote('KUCOIN', 'spot', 103);
    expect(t.events).toHaveLength(2);
    // the reverse direction is another key: not in cooldown
    t.quote('KUCOIN', 'spot', 97);
    expect(t.events).toHaveLength(3);
    expect(t.events[2]).toMatchObject({ event: 'open', buy_exchange: 'KUCOIN', sell_exchange: 'BINANCE' });
    t.quote('KUCOIN', 'spot', 100.2);
    expect(t.events).toHaveLength(4);
    t.advance(30_001);
    t.quote('BINANCE', 'spot', 100);
    t.quote('KUCOIN', 'spot', 103);
    expect(t.events.map((e) => [e.event, e.buy_exchange])).toEqual([
      ['open', 'BINANCE'],
      ['close', 'BINANCE'],
      ['open', 'KUCOIN'],
      ['close', 'KUCOIN'],
      ['open', 'BINANCE'],
    ]);
  });

  it('staleness: quotes older than max age are ignored; a stale leg closes the spread on the sweep', () => {
    const t = setup({ maxQuoteAgeMs: 10_000 });
    t.engine.onQuote({ venue: 'BITGET', kind: 'spot', symbol: 'ZK_USDT', price: 90, ts: T0 - 10_001 });
    expect(t.engine.stats.ignoredOld).toBe(1);
    t.quote('BITGET', 'spot', 100);
    t.advance(4_000);
    t.quote('GATE', 'spot', 105);
    expect(t.events.map((e) => e.event)).toEqual(['open']);
    t.advance(6_000); // BITGET quote is exactly 10 s old: still fresh
    t.engine.sweep();
    expect(t.events).toHaveLength(1);
    t.advance(1);
    t.engine.sweep();
    expect(t.events).toHaveLength(2);
    expect(t.events[1]).toMatchObject({ event: 'close', close_reason: 'stale', stale_since_ms: T0 + 10_000 });
    t.engine.sweep();
    expect(t.events).toHaveLength(2);
  });

  it('a fresh quote on one leg against a stale other leg closes instead of opening', () => {
    const t = setup({ maxQuoteAgeMs: 10_000 });
    t.quote('BITGET', 'spot', 100);
    t.quote('GATE', 'spot', 105);
    t.advance(11_000);
    t.quote('GATE', 'spot', 106);
    expect(t.events.map((e) => [e.event, e.close_reason])).toEqual([
      ['open', undefined],
      ['close', 'stale'],
    ]);
  });

  it('sanity cap drops probable symbol collisions (and closes an open spread that jumps over it)', () => {
    const t = setup({ sanityCapPct: 30 });
    t.quote('GATE', 'spot', 1);
    t.quote('MEXC', 'spot', 1.5); // 50 %
    expect(t.events).toHaveLength(0);
    expect(t.engine.stats.droppedSanity).toBe(1);
    t.quote('MEXC', 'spot', 1.1);
    t.quote('MEXC', 'spot', 1.4);
    expect(t.events.map((e) => [e.event, e.close_reason])).toEqual([
      ['open', undefined],
      ['close', 'sanity_cap'],
    ]);
  });

  it('gates: a CEX leg under min volume or a DEX leg under min liquidity never opens, and a failing gate closes', () => {
    const t = setup({ minVolume24h: 500_000, minDexLiquidityUsd: 50_000 });
    const dex = { chain: 'eth', pool_address: '0xpool', dex: 'uniswap_v3' };
    t.quote('BINANCE', 'spot', 100, { volume24h: 100_000 });
    t.quote('OKX', 'spot', 103, { volume24h: 900_000 });
    expect(t.events).toHaveLength(0);
    t.quote('UNISWAP_V3', 'dex', 95, { dex, liquidityUsd: 10_000 });
    expect(t.events).toHaveLength(0);
    t.quote('UNISWAP_V3', 'dex', 95, { dex, liquidityUsd: 80_000 });
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({
      spread_type: 'spot/dex',
      buy_exchange: 'UNISWAP_V3',
      buy_kind: 'dex',
      sell_exchange: 'OKX',
      volume_24h: 900_000,
      cex_legs: 1,
      dex_metadata: { buy: { chain: 'eth', pool_address: '0xpool', dex: 'uniswap_v3', liquidity_usd: 80_000 } },
    });
    t.quote('UNISWAP_V3', 'dex', 95, { dex, liquidityUsd: 20_000 });
    expect(t.events.map((e) => [e.event, e.close_reason])).toEqual([
      ['open', undefined],
      ['close', 'gate'],
    ]);
  });

  it('yields every spread type', () => {
    const t = setup();
    const dexA = { chain: 'eth', pool_address: '0xa', dex: 'uniswap_v3' };
    const dexB = { chain: 'bsc', pool_address: '0xb', dex: 'pancakeswap' };
    t.quote('BINANCE', 'spot', 100);
    t.quote('OKX', 'spot', 102);
    t.quote('BINANCE', 'futures', 104, { mark: 110 });
    t.quote('BYBIT', 'futures', 106);
    t.quote('UNISWAP_V3', 'dex', 108, { dex: dexA, liquidityUsd: 1e6 });
    t.quote('PANCAKESWAP', 'dex', 111, { dex: dexB, liquidityUsd: 1e6 });
    const types = new Set(t.events.filter((e) => e.event === 'open').map((e) => e.spread_type));
    expect([...types].sort()).toEqual(['dex/dex', 'dex/futures', 'futures/futures', 'internal/futures', 'spot/dex', 'spot/futures', 'spot/spot'].sort());
    const internal = t.events.find((e) => e.spread_type === 'internal/futures')!;
    expect(internal).toMatchObject({
      buy_exchange: 'BINANCE',
      sell_exchange: 'BINANCE',
      buy_kind: 'futures',
      sell_kind: 'futures',
      buy_price: 104,
      sell_price: 110,
      buy_leg: 'BINANCE:futures',
      sell_leg: 'BINANCE:futures:mark',
      spread_percent: 5.7692,
    });
    const dexDex = t.events.find((e) => e.spread_type === 'dex/dex')!;
    expect(dexDex.volume_24h).toBeNull();
    expect(dexDex.cex_legs).toBe(0);
    // 6 legs → 15 pairs + 2 internal candidates (BINANCE futures has a mark; BYBIT has none)
    expect(t.events.filter((e) => e.event === 'open')).toHaveLength(16);
  });

  it('a reversal closes the old key and opens the reverse key', () => {
    const t = setup();
    t.quote('BINANCE', 'spot', 100);
    t.quote('OKX', 'spot', 102);
    t.quote('OKX', 'spot', 97);
    expect(t.events.map((e) => [e.event, e.buy_exchange, e.close_reason])).toEqual([
      ['open', 'BINANCE', undefined],
      ['close', 'BINANCE', 'reversed'],
      ['open', 'OKX', undefined],
    ]);
  });

  it('restored open spreads are not opened twice; unseen ones close as stale', () => {
    const first = setup();
    first.quote('BINANCE', 'spot', 100);
    first.quote('OKX', 'spot', 102);
    first.engine.onQuote({ venue: 'GATE', kind: 'spot', symbol: 'ETH_USDT', price: 10, ts: first.now });
    first.engine.onQuote({ venue: 'MEXC', kind: 'spot', symbol: 'ETH_USDT', price: 11, ts: first.now });
    const opens = first.events.filter((e) => e.event === 'open');
    expect(opens).toHaveLength(2);

    const second = setup();
    second.engine.restore(opens.map((event) => ({ symbol: event.symbol, buy_leg: event.buy_leg, sell_leg: event.sell_leg, event })));
    second.quote('BINANCE', 'spot', 100);
    second.quote('OKX', 'spot', 102.5);
    expect(second.events).toHaveLength(0);
    second.quote('OKX', 'spot', 100.2);
    expect(second.events.map((e) => [e.event, e.symbol, e.close_reason])).toEqual([['close', 'ZK_USDT', 'below_close']]);
    second.advance(10_001);
    second.engine.sweep();
    expect(second.events.map((e) => [e.event, e.symbol, e.close_reason])).toEqual([
      ['close', 'ZK_USDT', 'below_close'],
      ['close', 'ETH_USDT', 'stale'],
    ]);
  });

  it('a key closed shortly before a restart stays in cooldown after it', () => {
    const first = setup({ cooldownMs: 60_000 });
    first.quote('BINANCE', 'spot', 100);
    first.quote('OKX', 'spot', 102);
    first.quote('OKX', 'spot', 100.1);
    const second = setup({ cooldownMs: 60_000 });
    second.advance(10_000);
    second.engine.restore(first.events.slice(-1).map((event) => ({ symbol: event.symbol, buy_leg: event.buy_leg, sell_leg: event.sell_leg, event })));
    second.quote('BINANCE', 'spot', 100);
    second.quote('OKX', 'spot', 102);
    expect(second.events).toHaveLength(0);
    second.advance(50_001);
    second.quote('BINANCE', 'spot', 100);
    second.quote('OKX', 'spot', 102.5);
    expect(second.events.map((e) => e.event)).toEqual(['open']);
  });

  it('validates the configuration (hysteresis needs close < open)', () => {
    expect(validateEngineConfig(DEFAULT_SPREAD_ENGINE_CONFIG)).toEqual([]);
    expect(validateEngineConfig({ ...DEFAULT_SPREAD_ENGINE_CONFIG, closePct: 2, openPct: 1 })).toEqual([
      'SPREADS_CLOSE_PCT must be >= 0 and lower than SPREADS_OPEN_PCT (hysteresis)',
    ]);
  });
});
