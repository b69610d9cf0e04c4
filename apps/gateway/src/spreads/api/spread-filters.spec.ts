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
    expect(parseSpreadQuery({ before: '1781000000_12', since: '1780000000' }, 'history')).toMatchObject({ before: '1781000000_12', since: 1780000000 });
    expect(() => parseSpreadQuery({ min_pct: '5', max_pct: '2' }, 'live')).toThrow(/max_pct: must be >= min_pct/);
  });
});
