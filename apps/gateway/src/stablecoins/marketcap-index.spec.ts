import { marketcapIndex } from './marketcap-index';

const day = 86_400;
const points = Array.from({ length: 400 }, (_, i) => ({ date: 1_700_000_000 + i * day, totalCirculatingUSD: { peggedUSD: 1000 + i, peggedEUR: 0.505 } }));

describe('marketcapIndex', () => {
  it('sums every peg type per day and keeps the points within the period of the last one', () => {
    const index = marketcapIndex(points, '7d');
    expect(index.data).toHaveLength(8);
    expect(index.data[0]).toEqual({ timestamp: 1_700_000_000 + 392 * day, marketcap: 1392.51 });
    expect(index.key_stats).toEqual({ latest_market_cap: 1399.51, price: 1399.51, controller: '7d' });
  });

  it('sizes each period: 1d = yesterday and today, 1y = 366 daily points', () => {
    expect(marketcapIndex(points, '1d').data.map((point) => point.marketcap)).toEqual([1398.51, 1399.51]);
    expect(marketcapIndex(points, '30d').data).toHaveLength(31);
    expect(marketcapIndex(points, '90d').data).toHaveLength(91);
    expect(marketcapIndex(points, '1y').data).toHaveLength(366);
  });

  it('sorts unordered input, skips unparseable dates and copes with no data', () => {
    const shuffled = [points[2], { date: Number('x'), totalCirculatingUSD: { peggedUSD: 1 } }, points[0], points[1]];
    expect(marketcapIndex(shuffled, '1d').data.map((point) => point.timestamp)).toEqual([points[1].date, points[2].date]);
    expect(marketcapIndex([], '7d')).toEqual({ data: [], key_stats: { latest_market_cap: null, price: null, controller: '7d' } });
  });
});
