import { DriftModel } from '../../random';
import { expiryCode, simulatedExpiries, simulateOptionChain } from './deribit-payloads';

describe('simulated Deribit option chain', () => {
  const saturday = Date.UTC(2026, 10, 21, 9, 0, 0);

  it('lists the next two weeklies, three month-ends and the next quarter-end at 08:00 UTC, without duplicates', () => {
    expect(simulatedExpiries(saturday).map(expiryCode)).toEqual(['27NOV26', '4DEC26', '25DEC26', '29JAN27', '26MAR27']);
    expect(new Date(simulatedExpiries(saturday)[0]).toISOString()).toBe('2026-11-27T08:00:00.000Z');
    // on an expiry Friday after 08:00 that expiry is gone
    expect(simulatedExpiries(Date.UTC(2026, 10, 27, 9)).map(expiryCode)[0]).toBe('4DEC26');
  });

  it('is a function of seed and time only', () => {
    const chain = (seed: number) => simulateOptionChain(80815.88, seed, new DriftModel(seed, 15_000), saturday);
    expect(chain(7)).toEqual(chain(7));
    expect(chain(7)).not.toEqual(chain(8));
    expect(chain(7)).toHaveLength(50);
    expect(new Set(chain(7).map((row) => row.instrument_name)).size).toBe(50);
  });
});
