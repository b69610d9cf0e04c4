import { DERIVATIVE_CONTRACTS, summariseVolumes, tickVolume, type ContractOutcome } from './derivative-volume';

const [binance, bybit, okex, deribit, bitmex] = DERIVATIVE_CONTRACTS;

describe('tickVolume', () => {
  it('reads MOVING_24_HOUR_QUOTE_VOLUME, in USDT for vanilla and USD for inverse', () => {
    expect(tickVolume({ QUOTE_CURRENCY: 'USDT', MOVING_24_HOUR_QUOTE_VOLUME: 18_289_750_904.0016, MOVING_24_HOUR_VOLUME: 175_000 })).toEqual({
      volume: 18_289_750_904.0016,
      quoteCurrency: 'USDT',
      basis: 'MOVING_24_HOUR_QUOTE_VOLUME',
    });
    expect(tickVolume({ QUOTE_CURRENCY: 'USD', MOVING_24_HOUR_QUOTE_VOLUME: 250_336_360 }).volume).toBe(250_336_360);
  });

  it('falls back to the base volume: as is when counted in the quote currency, else times the price', () => {
    expect(tickVolume({ QUOTE_CURRENCY: 'USD', CONTRACT_CURRENCY: 'USD', MOVING_24_HOUR_VOLUME: 731_500_000 })).toEqual({ volume: 731_500_000, quoteCurrency: 'USD', basis: 'MOVING_24_HOUR_VOLUME' });
    // 1,250.5 BTC × 100,000 = 125,050,000
    expect(tickVolume({ QUOTE_CURRENCY: 'USDT', CONTRACT_CURRENCY: 'BTC', MOVING_24_HOUR_VOLUME: 1_250.5, PRICE: 100_000 })).toEqual({
      volume: 125_050_000,
      quoteCurrency: 'USDT',
      basis: 'MOVING_24_HOUR_VOLUME*PRICE',
    });
  });

  it('says what is missing instead of reading zero', () => {
    expect(() => tickVolume({ QUOTE_CURRENCY: 'USDT', MOVING_24_HOUR_VOLUME: 12 })).toThrow('no MOVING_24_HOUR_QUOTE_VOLUME, nor MOVING_24_HOUR_VOLUME with a PRICE');
    expect(() => tickVolume({ QUOTE_CURRENCY: 'USDT', MOVING_24_HOUR_QUOTE_VOLUME: null })).toThrow('no MOVING_24_HOUR_QUOTE_VOLUME');
    expect(() => tickVolume({ QUOTE_CURRENCY: 'EUR', MOVING_24_HOUR_QUOTE_VOLUME: 5 })).toThrow('quote currency EUR is not a US dollar');
  });
});

describe('summariseVolumes', () => {
  const ok = (contract: ContractOutcome['contract'], quoteVolume: number, stale = false): ContractOutcome => ({
    contract,
    tick: { QUOTE_CURRENCY: 'USDT', MOVING_24_HOUR_QUOTE_VOLUME: quoteVolume, PRICE_LAST_UPDATE_TS: 1_763_715_600 },
    fetchedAt: 0,
    stale,
  });

  it('sums every market with a volume', () => {
    const summary = summariseVolumes([ok(binance, 500_000_000), ok(bybit, 300_000_000.5), ok(okex, 200_000_000.25), ok(deribit, 150_000_000), ok(bitmex, 84_567_889.25)]);
    // 500,000,000 + 300,000,000.5 + 200,000,000.25 + 150,000,000 + 84,567,889.25 = 1,234,567,890
    expect(summary.total).toBe(1_234_567_890);
    expect(summary.failed).toEqual([]);
    expect(summary.details[0]).toEqual({
      market: 'binance',
      instrument: 'BTC-USDT-VANILLA-PERPETUAL',
      native_instrument: 'BTCUSDT',
      volume: 500_000_000,
      quote_currency: 'USDT',
      last_update: 1_763_715_600,
      raw: { QUOTE_CURRENCY: 'USDT', MOVING_24_HOUR_QUOTE_VOLUME: 500_000_000, PRICE_LAST_UPDATE_TS: 1_763_715_600 },
    });
  });

  it('leaves a failed market out of the sum, with its error in the details and the failures', () => {
    const summary = summariseVolumes([
      ok(binance, 500_000_000),
      ok(bybit, 300_000_000, true),
      { contract: bitmex, error: 'coindesk: HTTP 503' },
      { contract: okex, tick: { QUOTE_CURRENCY: 'USDT' }, fetchedAt: 0, stale: false },
    ]);
    expect(summary.total).toBe(800_000_000);
    expect(summary.details.map((detail) => [detail.market, detail.volume, detail.error, detail.stale])).toEqual([
      ['binance', 500_000_000, undefined, undefined],
      ['bybit', 300_000_000, undefined, true],
      ['bitmex', undefined, 'coindesk: HTTP 503', undefined],
      ['okex', undefined, 'the tick has no MOVING_24_HOUR_QUOTE_VOLUME, nor MOVING_24_HOUR_VOLUME with a PRICE', undefined],
    ]);
    expect(summary.details[2]).toEqual({ market: 'bitmex', instrument: 'BTC-USD-INVERSE-PERPETUAL', native_instrument: 'XBTUSD', error: 'coindesk: HTTP 503' });
    expect(summary.failed.map((failure) => failure.market)).toEqual(['bitmex', 'okex']);
  });

  it('names every market by CoinDesk\'s mapped instrument, failed ones included, with the venue\'s name beside it', () => {
    const mappedScheme = /^BTC-(USDT|USD)-(VANILLA|INVERSE)-PERPETUAL$/;
    const healthy = summariseVolumes(DERIVATIVE_CONTRACTS.map((contract) => ok(contract, 1_000)));
    const failed = summariseVolumes(DERIVATIVE_CONTRACTS.map((contract) => ({ contract, error: 'down' })));
    for (const detail of [...healthy.details, ...failed.details]) expect(detail.instrument).toMatch(mappedScheme);
    expect(healthy.details.map((detail) => [detail.market, detail.instrument, detail.native_instrument])).toEqual([
      ['binance', 'BTC-USDT-VANILLA-PERPETUAL', 'BTCUSDT'],
      ['bybit', 'BTC-USDT-VANILLA-PERPETUAL', 'BTCUSDT'],
      ['okex', 'BTC-USDT-VANILLA-PERPETUAL', 'BTC-USDT-SWAP'],
      ['deribit', 'BTC-USD-INVERSE-PERPETUAL', 'BTC-PERPETUAL'],
      ['bitmex', 'BTC-USD-INVERSE-PERPETUAL', 'XBTUSD'],
    ]);
    expect(failed.failed.map((failure) => failure.instrument)).toEqual(healthy.details.map((detail) => detail.instrument));
  });

  it('takes the names CoinDesk puts in the tick over the configured ones', () => {
    const [detail] = summariseVolumes([{ contract: okex, tick: { MAPPED_INSTRUMENT: 'BTC-USDT-VANILLA-PERPETUAL', INSTRUMENT: 'BTC-USDT-SWAP', QUOTE_CURRENCY: 'USDT', MOVING_24_HOUR_QUOTE_VOLUME: 5 }, fetchedAt: 0, stale: false }]).details;
    expect(detail).toMatchObject({ instrument: 'BTC-USDT-VANILLA-PERPETUAL', native_instrument: 'BTC-USDT-SWAP' });
  });
});
