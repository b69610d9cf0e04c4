import { z } from 'zod';
import { fieldPath, schemaProblems } from './schema-problems';

describe('schema problems', () => {
  it('names the field as a path a reader can follow: keys dotted, array indexes in brackets, the root as body', () => {
    expect(fieldPath([])).toBe('body');
    expect(fieldPath([3, 'current_price'])).toBe('[3].current_price');
    expect(fieldPath(['data', 'total_market_cap', 'usd'])).toBe('data.total_market_cap.usd');
    expect(fieldPath(['result', 0, 'open_interest'])).toBe('result[0].open_interest');
  });

  it('lists one problem per field, without zod\'s "Invalid input" prefix, and none when the body fits', () => {
    const schema = z.object({ rows: z.array(z.object({ price: z.number() })) });
    expect(schemaProblems(schema, { rows: [{ price: 1 }, { price: '2' }, {}] })).toEqual(['rows[1].price: expected number, received string', 'rows[2].price: expected number, received undefined']);
    expect(schemaProblems(schema, null)).toEqual(['body: expected object, received null']);
    expect(schemaProblems(schema, { rows: [] })).toEqual([]);
  });
});
