import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CLIENT_MESSAGE_LIMITS, parseClientMessage } from './inbound-messages';

const withKeys = (count: number, name = (i: number) => `k${i}`) => Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [name(i), i]))));

describe('parseClientMessage', () => {
  it('parses a message within the bounds, keys of nested objects counted', () => {
    const message = { op: 'subscribe', id: 'a', stream: 'stablecoins.main_table', params: { filters: { chain: ['eth', 'bsc'], 'na:me': 'x{' }, page_size: 5 } };
    expect(parseClientMessage(Buffer.from(JSON.stringify(message)))).toEqual({ ok: true, value: message });
    expect(parseClientMessage(withKeys(CLIENT_MESSAGE_LIMITS.maxKeys))).toMatchObject({ ok: true });
  });

  it('refuses more keys or deeper nesting than the bounds, and text that is not JSON', () => {
    expect(parseClientMessage(withKeys(CLIENT_MESSAGE_LIMITS.maxKeys + 1))).toEqual({ ok: false, problem: 'has more than 64 keys' });
    expect(parseClientMessage(Buffer.from(`${'['.repeat(9)}${']'.repeat(9)}`))).toEqual({ ok: false, problem: 'nests deeper than 8 levels' });
    expect(parseClientMessage(Buffer.from('{"a":'))).toEqual({ ok: false, problem: 'is not valid JSON' });
    // colons and brackets inside strings (escaped quotes included) are text, not structure
    expect(parseClientMessage(Buffer.from(JSON.stringify({ search: `\\":[[[[[[[[[[${':'.repeat(500)}` })))).toMatchObject({ ok: true });
  });

  it('refuses a flood of fresh keys without growing the old generation, which JSON.parse of the same messages does', () => {
    // JSON.parse internalizes every key, and V8 allocates internalized strings in old space: only a full GC frees them
    // (messages written as text: building them as objects would internalize the keys before the measurement)
    let serial = 0;
    const flood = () =>
      Array.from({ length: 500 }, () => {
        let text = '{';
        for (let i = 0; i < 600; i++) text += `${i ? ',' : ''}"fresh_${serial++}":${i}`;
        return Buffer.from(`${text}}`);
      });
    const oldSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')!.space_used_size;
    // a full GC first, and every result kept until measured: a major GC during the loop (the parses allocate enough
    // to start one) then finds no garbage older than the loop, and cannot free what the loop allocated
    setFlagsFromString('--expose-gc');
    const fullGc = runInNewContext('gc') as () => void;
    const growth = (handle: (message: Buffer) => unknown, messages: Buffer[]) => {
      fullGc();
      const before = oldSpace();
      const results = messages.map(handle);
      const grown = oldSpace() - before;
      expect(results).toHaveLength(messages.length);
      return grown;
    };
    let accepted = 0;
    const refused = growth((message) => (accepted += parseClientMessage(message).ok ? 1 : 0), flood());
    const parsed = growth((message) => JSON.parse(message.toString('utf8')), flood());
    expect(accepted).toBe(0);
    expect(parsed).toBeGreaterThan(3 * 1024 * 1024); // 300,000 fresh keys: the cost the bound avoids
    expect(refused).toBeLessThan(parsed / 10);
  });
});
