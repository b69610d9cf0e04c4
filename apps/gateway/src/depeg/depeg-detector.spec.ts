import type { DefiLlamaPeggedAsset, DefiLlamaPricePoint } from '@app/upstream';
import { detectDepegEvents, mergeDepegEvents, severityScore, targetPeg, type DepegEvent } from './depeg-detector';

const DAY = 86_400;
const NOW = 1_800_000_000 + 3600; // one hour into a day
const TODAY = NOW - 3600;

const asset = (overrides: Partial<DefiLlamaPeggedAsset>): DefiLlamaPeggedAsset => ({
  id: '1',
  name: 'Tether',
  symbol: 'USDT',
  gecko_id: 'tether',
  pegType: 'peggedUSD',
  circulating: { peggedUSD: 83e9 },
  price: 1,
  ...overrides,
});

/** Daily points ending today: `series[gecko]` lists prices oldest first. */
function history(series: Record<string, Array<number | null>>): DefiLlamaPricePoint[] {
  const length = Math.max(...Object.values(series).map((prices) => prices.length));
  return Array.from({ length }, (_, i) => ({
    date: TODAY - (length - 1 - i) * DAY,
    prices: Object.fromEntries(Object.entries(series).map(([id, prices]) => [id, prices[i] ?? null])),
  }));
}

const base = { threshold: 0.01, pegType: 'peggedUSD', daysBack: 7, now: NOW };

describe('severityScore', () => {
  it('is depeg % × log10(1 + volume) × (1 + log10(1 + hours)), 2 decimals', () => {
    // the README's worked example
    expect(severityScore(1.8, 83e9, 60)).toBe(25.57);
    expect(severityScore(1.8, 83e9, 0)).toBe(round(1.8 * Math.log10(1 + 83e9), 2));
    expect(severityScore(2, 0, 100)).toBe(0);
  });
});

function round(value: number, decimals: number): number {
  return Math.round(value * 10 ** decimals) / 10 ** decimals;
}

describe('targetPeg', () => {
  it('is 1 for USD and the median peer price otherwise', () => {
    expect(targetPeg('peggedUSD', [])).toBe(1);
    expect(targetPeg('peggedEUR', [1.08, 1.2, 1.07])).toBe(1.08);
    expect(targetPeg('peggedEUR', [1.08, 1.1])).toBeCloseTo(1.09, 10);
    expect(targetPeg('peggedEUR', [])).toBeUndefined();
  });
});

describe('detectDepegEvents', () => {
  it('reports a live price beyond the threshold as a current event starting now (the seed example row)', () => {
    const [event] = detectDepegEvents({ ...base, assets: [asset({ price: 0.982 })], logos: new Map([['tether', 'https://img/usdt.png']]) });
    expect(event).toEqual({
      timestamp: NOW,
      stablecoin: 'USDT',
      stablecoin_id: '1',
      name: 'Tether',
      price: 0.982,
      target_peg: 1,
      depeg_depth: 0.018,
      depeg_percentage: 1.8,
      volume: 83e9,
      severity_score: round(1.8 * Math.log10(1 + 83e9), 2),
      duration: 0,
      logo: 'https://img/usdt.png',
      peg_type: 'peggedUSD',
      event_type: 'current',
    });
  });

  it('ignores prices within the threshold, other peg types, deprecated assets and missing prices', () => {
    const events = detectDepegEvents({
      ...base,
      assets: [
        asset({ price: 0.991 }),
        asset({ id: '2', symbol: 'EURC', pegType: 'peggedEUR', price: 0.5 }),
        asset({ id: '3', symbol: 'DEAD', deprecated: true, price: 0.1 }),
        asset({ id: '4', symbol: 'NOPRICE', price: null }),
      ],
    });
    expect(events).toEqual([]);
  });

  it('continues a recorded open episode, or the daily run still going today, and counts its duration', () => {
    const prices = history({ tether: [1, 0.97, 0.96, 0.95] }); // beyond since 2 days before today
    const fromRun = detectDepegEvents({ ...base, assets: [asset({ price: 0.95 })], prices }).find((event) => event.event_type === 'current')!;
    expect(fromRun.timestamp).toBe(TODAY - 2 * DAY);
    expect(fromRun.duration).toBe((2 * DAY + 3600) / 60);
    const recorded = detectDepegEvents({ ...base, assets: [asset({ price: 0.95 })], prices, openEpisodes: new Map([['1', NOW - 600]]) });
    // the recorded live episode keeps its own start; the daily run, a different observation, stays listed
    expect(recorded.map((event) => [event.event_type, event.timestamp, event.duration])).toEqual([
      ['current', NOW - 600, 10],
      ['historical', TODAY - 2 * DAY, 3 * 1440],
    ]);
    // without a recorded episode the daily run and the live event share a start: only the current one is kept
    expect(detectDepegEvents({ ...base, assets: [asset({ price: 0.95 })], prices }).map((event) => event.event_type)).toEqual(['current']);
  });

  it('turns runs of daily prices beyond the threshold into historical events: first day, worst price, days × 1440 min', () => {
    const prices = history({ tether: [1, 0.98, 0.97, 0.985, 1, null, 1.02, 1] });
    const events = detectDepegEvents({ ...base, assets: [asset({ price: 1 })], prices });
    expect(events.map((event) => [event.timestamp, event.price, event.duration, event.depeg_depth, event.event_type])).toEqual([
      [TODAY - DAY, 1.02, 1440, 0.02, 'historical'],
      [TODAY - 6 * DAY, 0.97, 3 * 1440, 0.03, 'historical'],
    ]);
    // a run that ended before the window is left out
    expect(detectDepegEvents({ ...base, daysBack: 2, assets: [asset({ price: 1 })], prices }).map((event) => event.timestamp)).toEqual([TODAY - DAY]);
  });

  it('measures non-USD pegs against the median price of their peers', () => {
    const eur = (id: string, gecko: string, price: number) => asset({ id, symbol: id, name: id, gecko_id: gecko, pegType: 'peggedEUR', circulating: { peggedEUR: 1e6 }, price });
    const events = detectDepegEvents({ ...base, pegType: 'peggedEUR', assets: [eur('EURC', 'euro-coin', 1.08), eur('EUROE', 'euroe', 1.081), eur('BAD', 'bad-eur', 1.0)] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ stablecoin: 'BAD', target_peg: 1.08, depeg_depth: 0.08, depeg_percentage: 7.41, volume: 1e6 });
  });
});

describe('mergeDepegEvents', () => {
  const event = (overrides: Partial<DepegEvent>): DepegEvent => ({ ...detectDepegEvents({ ...base, assets: [asset({ price: 0.95 })] })[0], ...overrides });

  it('de-duplicates by (stablecoin, timestamp), current before historical, first list first; sorts newest, then most severe', () => {
    const merged = mergeDepegEvents([
      [event({ timestamp: 10, event_type: 'historical', price: 0.9 }), event({ timestamp: 20, severity_score: 1 })],
      [event({ timestamp: 10, event_type: 'current', price: 0.8 }), event({ timestamp: 20, severity_score: 9 }), event({ stablecoin_id: '2', timestamp: 20, severity_score: 5 })],
    ]);
    expect(merged.map((e) => [e.stablecoin_id, e.timestamp, e.event_type, e.severity_score, e.price])).toEqual([
      ['2', 20, 'current', 5, 0.95],
      ['1', 20, 'current', 1, 0.95],
      ['1', 10, 'current', expect.any(Number), 0.8],
    ]);
  });
});
