import { parseSpreadQuery, SpreadQueryError } from './spread-filters';

describe('parseSpreadQuery', () => {
  it('parses every seed parameter with its type and normalisation', () => {
    expect(
      parseSpreadQuery(
        {
          min_pct: '1.5',
          max_pct: '20',
          spread_type: 'dex/futures',
          exchange: 'binance',
          allowed_exchanges: 'binance, okx',
          buy_exchange: 'mexc',
          sell_exchange: 'bybit',
          symbol: 'zk/usdt',
          exclude_symbol: 'BTC_USDT,eth-usdt',
          dex: 'true',
          min_volume_24h: '100000',
          min_dex_liquidity_usd: '5000',
          events: 'open',
          delay: '30',
          limit: '10',
        },
        'recent',
      ),
    ).toEqual({
      filters: {
        min_pct: 1.5,
        max_pct: 20,
        spread_type: 'dex/futures',
        exchange: 'BINANCE',
        allowed_exchanges: ['BINANCE', 'OKX'],
        buy_exchange: 'MEXC',
        sell_exchange: 'BYBIT',
        symbol: 'ZK_USDT',
        exclude_symbol: ['BTC_USDT', 'ETH_USDT'],
        dex: true,
        min_volume_24h: 100000,
        min_dex_liquidity_usd: 5000,
        events: 'open',
      },
      delay: 30,
      limit: 10,
    });
  });

  it('names every bad parameter; history-only parameters are unknown on recent', () => {
    let error: SpreadQueryError | undefined;
    try {
      parseSpreadQuery({ min_pct: '-1', dex: 'maybe', events: 'both', limit: '0', delay: '1.5', before: '123' }, 'recent');
    } catch (caught) {
      error = caught as SpreadQueryError;
    }
    expect(error?.details.map((d) => d.param).sort()).toEqual(['before', 'delay', 'dex', 'events', 'limit', 'min_pct']);
    expect(parseSpreadQuery({ before: '1781000000000_12', since: '1780000000' }, 'history')).toMatchObject({
      before: { kind: 'row', firedAtMs: 1_781_000_000_000, id: 12 },
      sinceMs: 1_780_000_000_000,
    });
    expect(parseSpreadQuery({ before: '1781000000' }, 'history').before).toEqual({ kind: 'time', beforeMs: 1_781_000_000_000 });
    expect(() => parseSpreadQuery({ min_pct: '5', max_pct: '2' }, 'live')).toThrow(/max_pct: must be >= min_pct/);
  });

  describe('bounds every value (overflow, non-finite, out of range, length)', () => {
    const problemsOf = (raw: Record<string, unknown>, surface: 'recent' | 'history' | 'live'): string[] => {
      try {
        parseSpreadQuery(raw, surface);
      } catch (error) {
        return (error as SpreadQueryError).details.map((d) => d.param);
      }
      return [];
    };

    it.each([
      ['delay', '1e20', 'recent'],
      ['delay', '1e20', 'history'],
      ['delay', '1e20', 'live'],
      ['delay', String(400 * 24 * 3600), 'recent'],
      ['since', '1e300', 'history'],
      ['since', '99999999999999999999', 'history'],
      ['since', 'Infinity', 'history'],
      ['before', '1234567890123456789', 'history'],
      ['before', '1781000000123_99999999999999999999', 'history'],
      ['limit', '1e20', 'recent'],
      ['limit', '1e20', 'history'],
      ['min_pct', '1e308', 'recent'],
      ['max_pct', 'Infinity', 'live'],
      ['min_volume_24h', '1e400', 'history'],
      ['min_dex_liquidity_usd', 'NaN', 'recent'],
      ['symbol', 'A'.repeat(16_000), 'recent'],
      ['exclude_symbol', 'BTC_USDT,'.repeat(2_000), 'history'],
      ['allowed_exchanges', Array.from({ length: 60 }, (_, i) => `X${i}`).join(','), 'live'],
      ['api_key', 'k'.repeat(10_000), 'live'],
    ])('%s=%s on %s is refused, naming the parameter', (param, value, surface) => {
      expect(problemsOf({ [param]: value }, surface as 'recent')).toEqual([param]);
    });

    it('keeps the accepted forms', () => {
      expect(parseSpreadQuery({ delay: String(365 * 24 * 3600), limit: '5000', min_pct: '0.5' }, 'history')).toMatchObject({ delay: 31_536_000, limit: 5000 });
      expect(parseSpreadQuery({ since: '1781000000123' }, 'history').sinceMs).toBe(1_781_000_000_123);
    });

    it('names the first few of many bad parameters and counts the rest (short errors)', () => {
      const raw = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`unknown_${i}_${'x'.repeat(100)}`, '1']));
      let error: SpreadQueryError | undefined;
      try {
        parseSpreadQuery(raw, 'live');
      } catch (caught) {
        error = caught as SpreadQueryError;
      }
      expect(error?.details).toHaveLength(10);
      expect(error!.message).toMatch(/and 490 more$/);
      expect(error!.message.length).toBeLessThan(1_000);
    });
  });
});

describe('SpreadQueryError', () => {
  it('is a refusal of client input: no stack trace captured', () => {
    let caught: unknown;
    try {
      parseSpreadQuery({ min_pct: 'x' }, 'recent');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpreadQueryError);
    expect((caught as Error).stack).not.toContain('\n    at ');
  });
});
