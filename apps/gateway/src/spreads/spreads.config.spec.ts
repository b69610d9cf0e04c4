import { loadGatewayConfig as loadConfig } from '../gateway-config';

describe('spreads configuration', () => {
  it('reads the spreads settings with documented defaults and rejects a close threshold above the open one', () => {
    expect(loadConfig({}).spreads).toMatchObject({ source: 'ccxt', openPct: 1, closePct: 0.5, cooldownMs: 120_000, maxQuoteAgeMs: 15_000, sanityCapPct: 50 });
    expect(loadConfig({ NODE_ENV: 'test' }).spreads.source).toBe('off');
    expect(loadConfig({ MARKET_DATA: 'sandbox' }).spreads.source).toBe('simulated');
    expect(loadConfig({ SPREADS_VENUES: 'binance, okx', SPREADS_OPEN_PCT: '2.5' }).spreads).toMatchObject({ venues: ['binance', 'okx'], openPct: 2.5 });
    expect(() => loadConfig({ SPREADS_OPEN_PCT: '1', SPREADS_CLOSE_PCT: '1.5' })).toThrow(/SPREADS_CLOSE_PCT must be lower/);
    expect(() => loadConfig({ SPREADS_VENUES: 'binance,ftx' })).toThrow(/unknown venue\(s\) ftx/);
    expect(loadConfig({}).spreads).toMatchObject({ watchVenues: ['binance', 'bybit', 'okx', 'gate', 'bitget', 'kucoin'], watchStaleMs: 10_000 });
    expect(loadConfig({ SPREADS_WATCH_VENUES: 'none' }).spreads.watchVenues).toEqual([]);
    expect(loadConfig({ SPREADS_WATCH_VENUES: 'bybit, okx', SPREADS_WATCH_STALE_MS: '5000' }).spreads).toMatchObject({ watchVenues: ['bybit', 'okx'], watchStaleMs: 5_000 });
    expect(() => loadConfig({ SPREADS_WATCH_VENUES: 'ftx' })).toThrow(/SPREADS_WATCH_VENUES: unknown venue\(s\) ftx/);
  });

  it('reads the DEX networks (none: off), quote currencies upper-cased, and bounds the history flush', () => {
    expect(loadConfig({}).spreads).toMatchObject({ dexNetworks: ['eth', 'bsc', 'solana'], quoteCurrencies: ['USDT'], historyFlushMs: 20 });
    expect(loadConfig({ SPREADS_DEX_NETWORKS: 'none', SPREADS_QUOTE_CURRENCIES: 'usdt, usdc' }).spreads).toMatchObject({ dexNetworks: [], quoteCurrencies: ['USDT', 'USDC'] });
    expect(() => loadConfig({ SPREADS_HISTORY_FLUSH_MS: '5' })).toThrow(/SPREADS_HISTORY_FLUSH_MS="5": must not be less than 10/);
    expect(() => loadConfig({ SPREADS_SOURCE: 'replay' })).toThrow(/SPREADS_SOURCE/);
  });
});
