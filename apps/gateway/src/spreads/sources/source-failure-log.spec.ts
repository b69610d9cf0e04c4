import { UpstreamError } from '@app/upstream';
import { SourceFailureLog } from './source-failure-log';

class NetworkError extends Error {}
class BadSymbol extends Error {}

describe('SourceFailureLog', () => {
  let lines: string[];
  let now: number;
  const log = () => new SourceFailureLog((line) => lines.push(line), (error) => error instanceof NetworkError, () => now);
  beforeEach(() => {
    lines = [];
    now = 1_000_000;
  });

  it('logs a venue outage once across its legs and minutes, and again after the venue answered', () => {
    const failures = log();
    for (let minute = 0; minute < 5; minute++, now += 60_000) {
      for (const source of ['ccxt:gate:spot:markets', 'ccxt:gate:futures:markets', 'ccxt:gate:spot', 'ccxt:gate:futures:ws']) {
        failures.failed(source, new NetworkError('getaddrinfo ENOTFOUND api.gateio.ws'));
      }
    }
    expect(lines).toEqual([
      'ccxt:gate unreachable (ccxt:gate:spot:markets: poll failed: getaddrinfo ENOTFOUND api.gateio.ws); further failures are counted, not logged, until it answers again',
    ]);
    failures.answered('ccxt:gate');
    failures.failed('ccxt:gate:spot', new NetworkError('ECONNRESET'));
    expect(lines).toHaveLength(2);
    // one leg down, the other answering: in and out of the outage every poll, still one line a minute
    for (let poll = 0; poll < 10; poll++, now += 5_000) {
      failures.answered('ccxt:gate');
      failures.failed('ccxt:gate:futures', new NetworkError('ECONNRESET'));
    }
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('ccxt:gate unreachable (ccxt:gate:spot: poll failed: ECONNRESET)');
    now += 15_000;
    failures.answered('ccxt:gate');
    failures.failed('ccxt:gate:futures', new NetworkError('ECONNRESET'));
    expect(lines).toHaveLength(3);
  });

  it('keeps venues apart, and names a source without legs by itself', () => {
    const failures = log();
    failures.failed('ccxt:okx:spot', new NetworkError('down'));
    failures.failed('ccxt:bybit:spot', new NetworkError('down'));
    failures.failed('geckoterminal', new NetworkError('down'));
    failures.failed('geckoterminal', new NetworkError('down'));
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['ccxt:okx', 'ccxt:bybit', 'geckoterminal']);
  });

  it('logs other errors once per source and minute', () => {
    const failures = log();
    failures.failed('ccxt:mexc:spot', new BadSymbol('bad symbol'));
    failures.failed('ccxt:mexc:spot', new BadSymbol('bad symbol'));
    failures.failed('ccxt:mexc:futures', new BadSymbol('bad symbol'));
    now += 60_000;
    failures.failed('ccxt:mexc:spot', new BadSymbol('bad symbol'));
    expect(lines).toEqual([
      'ccxt:mexc:spot: poll failed: bad symbol (repeats within a minute are not logged)',
      'ccxt:mexc:futures: poll failed: bad symbol (repeats within a minute are not logged)',
      'ccxt:mexc:spot: poll failed: bad symbol (1 more in the last minute; repeats within a minute are not logged)',
    ]);
  });

  it('leaves an open circuit to the policy that logged it', () => {
    log().failed('ccxt:okx:spot', new UpstreamError('ccxt-okx', 'circuit open', undefined, 'circuit_open'));
    expect(lines).toEqual([]);
  });

  it('logs stream/REST switches once per venue and minute, and none while the venue is down', () => {
    const failures = log();
    failures.modeChanged('ccxt:okx', 'spot', 'rest');
    failures.modeChanged('ccxt:okx', 'spot', 'ws');
    expect(lines).toEqual(['ccxt:okx:spot: stream silent, polling REST (repeats within a minute are not logged)']);
    failures.failed('ccxt:bybit:spot:markets', new NetworkError('down'));
    now += 60_000;
    failures.modeChanged('ccxt:bybit', 'spot', 'rest');
    expect(lines).toHaveLength(2);
  });
});
