import { formatUsdAmount, openInterestCard, volumeCard } from './derivatives.cards';

describe('derivatives cards', () => {
  it('formats amounts as the seed shows them', () => {
    expect(formatUsdAmount(1_234_567_889.5)).toBe('1,234,567,890 USD');
    expect(formatUsdAmount(0)).toBe('0 USD');
  });

  it('builds the 24h volume card with the seed title and subtext', () => {
    const details = [{ market: 'binance', instrument: 'BTC-USDT-VANILLA-PERPETUAL', native_instrument: 'BTCUSDT', volume: 500_000_000, raw: {} }];
    expect(volumeCard({ total: 1_234_567_890, details, failed: [] })).toEqual({
      title: '24h Derivative Volumes',
      value: '1,234,567,890 USD',
      subtext: 'total volumes across selected derivatives contracts (CoinDesk)',
      details,
    });
  });

  it('builds the open interest card with one detail row per expiry', () => {
    const card = openInterestCard(
      {
        totalUsd: 123_456_789.4,
        totalBtc: 1_500.123,
        expiries: [
          {
            series: 'BTC-27DEC24',
            expiryMs: Date.UTC(2024, 11, 27, 8),
            openInterestUsd: 123_456_789.404,
            openInterestBtc: 1_500.123,
            callsBtc: 1_000.1,
            putsBtc: 500.023,
            instruments: 40,
            unpriced: 0,
            lastUpdateMs: 1_719_878_400_999,
            underlyingIndex: 'BTC-27DEC24',
            underlyingPrice: 82_300.5,
          },
        ],
      },
      { symbol: 'BTC', logo: 'https://img/btc.png' },
    );
    expect(card).toEqual({
      title: 'Bitcoin Options Open Interest',
      value: '123,456,789 USD',
      subtext: 'total BTC options open interest (Deribit)',
      logo: 'https://img/btc.png',
      symbol: 'BTC',
      details: [
        {
          source: 'Deribit',
          instrument: 'BTC-27DEC24',
          market: 'deribit',
          open_interest: 123_456_789.4,
          open_interest_btc: 1_500.12,
          expiry: '2024-12-27T08:00:00.000Z',
          instruments: 40,
          last_update: 1_719_878_400,
          raw: { underlying_index: 'BTC-27DEC24', underlying_price: 82_300.5, calls_open_interest: 1_000.1, puts_open_interest: 500.02, unpriced_instruments: 0 },
        },
      ],
    });
    expect(openInterestCard({ totalUsd: 0, totalBtc: 0, expiries: [] })).toMatchObject({ symbol: 'BTC', logo: undefined });
  });
});
