import { shapeProblems } from './shape';

describe('shapeProblems', () => {
  const rules = {
    data: 'object',
    'data.total': 'numbers',
    'data.updated_at': 'number',
    'data.name': 'string',
    'data.note': 'string?',
    'data.tags': 'array?',
  } as const;

  it('accepts a fitting body, null numbers and extra fields', () => {
    expect(shapeProblems({ data: { total: { usd: 1, eur: null }, updated_at: null, name: 'x', extra: true } }, rules)).toEqual([]);
  });

  it('names each missing or mistyped field', () => {
    expect(shapeProblems({ data: { total: { usd: '1' }, updated_at: '17', tags: {} } }, rules)).toEqual([
      'data.total: expected numbers, got object',
      'data.updated_at: expected number, got string',
      'data.name: missing',
      'data.tags: expected array, got object',
    ]);
  });

  it('reports a body that is not an object at all', () => {
    expect(shapeProblems([1, 2], { data: 'object' })).toEqual(['data: missing']);
    expect(shapeProblems(null, { id: 'string' })).toEqual(['id: missing']);
  });
});
