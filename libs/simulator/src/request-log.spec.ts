import { RecordedRequest, RequestLog } from './request-log';

const request = (path: string, atMs: number): RecordedRequest => ({ upstream: 'coingecko', method: 'GET', path, query: {}, headers: {}, atMs });

describe('RequestLog', () => {
  it('keeps exact counts while holding only the most recent requests in full', () => {
    const log = new RequestLog(3);
    for (let i = 0; i < 10; i++) log.record(request(i % 2 ? '/global' : '/coins/bitcoin', i));
    expect(log.count('coingecko')).toBe(10);
    expect(log.count('coingecko', '/global')).toBe(5);
    expect(log.count('deribit')).toBe(0);
    expect(log.recent().map((entry) => entry.atMs)).toEqual([7, 8, 9]);
    expect(log.last('coingecko')?.atMs).toBe(9);
    log.reset();
    expect(log.count('coingecko')).toBe(0);
    expect(log.last('coingecko')).toBeUndefined();
  });
});
