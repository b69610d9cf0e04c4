import { UpstreamCallOutcome, UpstreamError } from '../contracts';
import { UpstreamLogger } from '../logging/upstream-logger';
import { UpstreamPolicies } from './upstream-policies';
import { UpstreamPolicy, isUpstreamOutage } from './upstream-policy';

class VenueDown extends Error {}

const silent: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

describe('UpstreamPolicy.run (clients that do their own HTTP)', () => {
  let outcomes: UpstreamCallOutcome[];
  const policy = (options: Partial<ConstructorParameters<typeof UpstreamPolicy>[0]> = {}) =>
    new UpstreamPolicy({
      upstream: 'ccxt-binance',
      retries: 0,
      timeoutMs: 50,
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
      isTransient: (error) => error instanceof VenueDown || (error instanceof UpstreamError && error.kind === 'timeout'),
      observer: (_upstream, outcome) => outcomes.push(outcome),
      logger: silent,
      ...options,
    });
  beforeEach(() => (outcomes = []));

  it('returns the value and counts an ok call', async () => {
    expect(await policy().run(async () => 42)).toBe(42);
    expect(outcomes).toEqual(['ok']);
  });

  it('many calls in flight at once share no abort signal (no MaxListenersExceededWarning)', async () => {
    // the most abort listeners any one signal held while 25 calls ran (Jest's process object does not see the warning)
    const { addEventListener, removeEventListener } = EventTarget.prototype;
    const listeners = new Map<EventTarget, number>();
    let most = 0;
    EventTarget.prototype.addEventListener = function (this: EventTarget, ...args: Parameters<EventTarget['addEventListener']>) {
      if (args[0] === 'abort') most = Math.max(most, listeners.set(this, (listeners.get(this) ?? 0) + 1).get(this)!);
      return addEventListener.apply(this, args);
    };
    EventTarget.prototype.removeEventListener = function (this: EventTarget, ...args: Parameters<EventTarget['removeEventListener']>) {
      if (args[0] === 'abort') listeners.set(this, (listeners.get(this) ?? 0) - 1);
      return removeEventListener.apply(this, args);
    };
    try {
      const shared = policy();
      const calls = Array.from({ length: 25 }, (_, index) => shared.run(() => new Promise<number>((resolve) => setTimeout(() => resolve(index), 5))));
      expect(await Promise.all(calls)).toHaveLength(25);
    } finally {
      Object.assign(EventTarget.prototype, { addEventListener, removeEventListener });
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('times out a call that ignores its signal, as a timeout UpstreamError', async () => {
    const error = await policy()
      .run(() => new Promise((resolve) => setTimeout(resolve, 500)))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ upstream: 'ccxt-binance', kind: 'timeout' });
    expect(outcomes).toEqual(['timeout']);
  });

  it('opens on the errors isTransient names, then fails fast without calling', async () => {
    const venue = policy();
    let calls = 0;
    const down = () => {
      calls++;
      return Promise.reject(new VenueDown('ExchangeNotAvailable'));
    };
    for (let call = 0; call < 2; call++) await venue.run(down).catch(() => undefined);
    const error = await venue.run(down).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'circuit_open' });
    expect(calls).toBe(2);
    expect(outcomes).toEqual(['error', 'error', 'circuit_open']);
  });

  it('passes other errors through without opening', async () => {
    const venue = policy();
    for (let call = 0; call < 4; call++) await venue.run(() => Promise.reject(new Error('bad symbol'))).catch(() => undefined);
    expect(venue.circuitState).toBe('closed');
  });
});

describe('UpstreamPolicies', () => {
  it('builds one policy per upstream and lists every state', () => {
    const policies = new UpstreamPolicies({ logger: silent });
    expect(policies.for('ccxt-okx')).toBe(policies.for('ccxt-okx'));
    policies.add(new UpstreamPolicy({ upstream: 'coingecko', logger: silent }));
    expect(policies.states()).toEqual([
      { upstream: 'ccxt-okx', circuit: 'closed' },
      { upstream: 'coingecko', circuit: 'closed' },
    ]);
  });
});

describe('isUpstreamOutage', () => {
  it('finds an open circuit or a transient failure in the cause chain, not a 4xx', () => {
    const open = new UpstreamError('evm-rpc', 'circuit open', undefined, 'circuit_open');
    expect(isUpstreamOutage(new Error('contract call failed', { cause: open }))).toBe(true);
    expect(isUpstreamOutage(new UpstreamError('coingecko', 'HTTP 503', 503, 'http'))).toBe(true);
    expect(isUpstreamOutage(new UpstreamError('coingecko', 'HTTP 404', 404, 'http'))).toBe(false);
    expect(isUpstreamOutage(new Error('bug'))).toBe(false);
  });
});
