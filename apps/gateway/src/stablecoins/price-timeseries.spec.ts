import { flattenPriceCharts, priceAxisLabel, regroupPriceSeries } from './price-timeseries';

describe('comparative price series', () => {
  const charts = [
    { id: 'tether', chart: { prices: [[1_700_000_000_500, 1.001], [1_700_003_600_000, 0.999]] as Array<[number, number]>, market_caps: [], total_volumes: [] } },
    { id: 'dai', chart: { prices: [[1_700_000_000_000, 1.0]] as Array<[number, number]>, market_caps: [], total_volumes: [] } },
  ];

  it('flattens [ms, price] pairs into rows in seconds', () => {
    expect(flattenPriceCharts(charts)).toEqual([
      { stablecoin: 'tether', time: 1_700_000_000, price: 1.001 },
      { stablecoin: 'tether', time: 1_700_003_600, price: 0.999 },
      { stablecoin: 'dai', time: 1_700_000_000, price: 1.0 },
    ]);
  });

  it('regroups filtered rows in the requested order, time-sorted, without emptied series', () => {
    const rows = [
      { stablecoin: 'tether', time: 20, price: 0.999 },
      { stablecoin: 'dai', time: 5, price: 1 },
      { stablecoin: 'tether', time: 10, price: 1.001 },
    ];
    expect(regroupPriceSeries(rows, ['usd-coin', 'tether', 'dai'])).toEqual([
      { stablecoin: 'tether', data: [{ time: 10, price: 1.001 }, { time: 20, price: 0.999 }] },
      { stablecoin: 'dai', data: [{ time: 5, price: 1 }] },
    ]);
  });

  it('labels the y axis with the vs currency', () => {
    expect(priceAxisLabel('usd')).toBe('Price based on 1 USD (0.98$-1.02$)');
  });
});
