import { dominanceRow, formatPercent, formatUsd, overallSnapshotCards } from './market-snapshot.cards';

describe('market-snapshot cards', () => {
  it('formats values as the seed shows them', () => {
    expect(formatUsd(2_345_678_901.4)).toBe('$2,345,678,901');
    expect(formatPercent(52.3412)).toBe('52.34 %');
    expect(formatPercent(7)).toBe('7.00 %');
  });

  it('builds the three overall cards with coin logos and symbols', () => {
    const cards = overallSnapshotCards({
      totalMarketCapUsd: 3_974_904_599_856.7,
      btcDominance: 59.4769,
      ethDominance: 12.0149,
      bitcoin: { symbol: 'BTC', logo: 'https://img/btc.png' },
      ethereum: { symbol: 'ETH', logo: 'https://img/eth.png' },
    });
    expect(cards).toEqual([
      { title: 'Total Crypto Market Cap', value: '$3,974,904,599,857' },
      { title: 'BTC Dominance', value: '59.48 %', logo: 'https://img/btc.png', symbol: 'BTC' },
      { title: 'ETH Dominance', value: '12.01 %', logo: 'https://img/eth.png', symbol: 'ETH' },
    ]);
  });

  it('keeps the symbol when the coin metadata is missing', () => {
    const cards = overallSnapshotCards({ totalMarketCapUsd: 1, btcDominance: 50, ethDominance: 10 });
    expect(cards[1]).toEqual({ title: 'BTC Dominance', value: '50.00 %', logo: undefined, symbol: 'BTC' });
  });

  it('uses the capitalised keys of the dominance streams', () => {
    expect(dominanceRow('Bitcoin', 52.344)).toEqual({ Title: 'Bitcoin Dominance', Value: '52.34 %' });
    expect(dominanceRow('Ethereum', 17.891)).toEqual({ Title: 'Ethereum Dominance', Value: '17.89 %' });
  });
});
