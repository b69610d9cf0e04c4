import { FaultInjector } from './faults';

const query = (text: string) => new URLSearchParams(text);

describe('FaultInjector', () => {
  it('keeps the path rule ahead of the upstream-wide one', () => {
    const faults = new FaultInjector();
    faults.set('coingecko', { kind: '500' });
    faults.set('coingecko', { kind: 'garbage' }, { path: '/global' });
    expect(faults.take('coingecko', '/global')).toEqual({ kind: 'garbage' });
    expect(faults.take('coingecko', '/coins/bitcoin')).toEqual({ kind: '500' });
    expect(faults.take('deribit', '/global')).toBeUndefined();
  });

  it('applies a query rule only to requests carrying every one of its params', () => {
    const faults = new FaultInjector();
    faults.set('coindesk', { kind: '500', status: 503 }, { path: '/futures/v1/latest/tick', query: { market: 'bitmex' } });
    expect(faults.take('coindesk', '/futures/v1/latest/tick', query('market=bitmex&instruments=XBTUSD'))).toEqual({ kind: '500', status: 503 });
    expect(faults.take('coindesk', '/futures/v1/latest/tick', query('market=binance&instruments=XBTUSD'))).toBeUndefined();
    expect(faults.take('coindesk', '/futures/v1/latest/tick')).toBeUndefined();
    expect(faults.take('coindesk', '/other', query('market=bitmex'))).toBeUndefined();
  });

  it('prefers the rule naming more query params and replaces a rule with the same path and query', () => {
    const faults = new FaultInjector();
    faults.set('coindesk', { kind: '500' }, { query: { market: 'okex' } });
    faults.set('coindesk', { kind: 'html' }, { query: { instruments: 'BTC-USDT-SWAP', market: 'okex' } });
    faults.set('coindesk', { kind: 'truncated' }, { query: { market: 'okex', instruments: 'BTC-USDT-SWAP' } });
    expect(faults.active()).toHaveLength(2);
    expect(faults.take('coindesk', '/x', query('market=okex&instruments=BTC-USDT-SWAP'))).toEqual({ kind: 'truncated' });
    expect(faults.take('coindesk', '/x', query('market=okex&instruments=OTHER'))).toEqual({ kind: '500' });
  });

  it('counts down times per rule', () => {
    const faults = new FaultInjector();
    faults.set('deribit', { kind: '500' }, { times: 1, query: { currency: 'BTC' } });
    expect(faults.take('deribit', '/public/get_book_summary_by_currency', query('currency=BTC'))).toEqual({ kind: '500' });
    expect(faults.take('deribit', '/public/get_book_summary_by_currency', query('currency=BTC'))).toBeUndefined();
  });
});
