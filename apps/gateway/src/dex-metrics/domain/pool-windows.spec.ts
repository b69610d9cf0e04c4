import { mulberry32 } from '@app/simulator';
import { MakerInterner } from './maker-interner';
import { PoolWindows, type WindowSwap, type WindowTotals } from './pool-windows';
import { RESOLUTIONS } from './resolutions';

const T0 = 1_700_000_000;
const zero: WindowTotals = { buyCents: 0, sellCents: 0, buys: 0, sells: 0, buyers: 0, sellers: 0, makers: 0 };

function setup() {
  const interner = new MakerInterner();
  const windows = new PoolWindows(interner);
  const maker = (name: string) => interner.intern(`0x${name.repeat(40).slice(0, 40)}`);
  return { interner, windows, maker };
}

/** The totals the slow, obvious way: filter the swaps of each window. */
function reference(swaps: WindowSwap[], nowSec: number): WindowTotals[] {
  return RESOLUTIONS.map((r) => {
    const inside = swaps.filter((s) => s.timeSec > nowSec - r.seconds && s.timeSec <= nowSec);
    const buys = inside.filter((s) => s.side === 'buy');
    const sells = inside.filter((s) => s.side === 'sell');
    return {
      buyCents: buys.reduce((sum, s) => sum + s.usdCents, 0),
      sellCents: sells.reduce((sum, s) => sum + s.usdCents, 0),
      buys: buys.length,
      sells: sells.length,
      buyers: new Set(buys.map((s) => s.makerId)).size,
      sellers: new Set(sells.map((s) => s.makerId)).size,
      makers: new Set(inside.map((s) => s.makerId)).size,
    };
  });
}

describe('PoolWindows', () => {
  it('matches hand-computed totals as swaps enter and leave each window', () => {
    const { windows, maker } = setup();
    const [a, b, c] = [maker('a'), maker('b'), maker('c')];
    windows.add({ timeSec: T0, side: 'buy', usdCents: 1000, makerId: a }); // A buys $10.00
    windows.add({ timeSec: T0 + 60, side: 'sell', usdCents: 550, makerId: b }); // B sells $5.50
    windows.add({ timeSec: T0 + 120, side: 'sell', usdCents: 200, makerId: a }); // A sells $2.00
    windows.add({ timeSec: T0 + 3000, side: 'buy', usdCents: 12345, makerId: c }); // C buys $123.45

    const all = { buyCents: 13345, sellCents: 750, buys: 2, sells: 2, buyers: 2, sellers: 2, makers: 3 };
    // at T0+3000 the 5m window (T0+2700, T0+3000] holds only C's buy; the others hold everything
    expect(windows.totalsAt(T0 + 3000)).toEqual([{ ...zero, buyCents: 12345, buys: 1, buyers: 1, makers: 1 }, all, all, all, all]);
    // one hour after A's first buy it leaves the 1h window: A still counts as a maker (its sell at T0+120)
    const at1h = { buyCents: 12345, sellCents: 750, buys: 1, sells: 2, buyers: 1, sellers: 2, makers: 3 };
    expect(windows.totalsAt(T0 + 3600)[1]).toEqual(at1h);
    // after B's sell (T0+60) leaves 1h: sellers 1, makers A and C
    expect(windows.totalsAt(T0 + 3660)[1]).toEqual({ buyCents: 12345, sellCents: 200, buys: 1, sells: 1, buyers: 1, sellers: 1, makers: 2 });
    expect(windows.totalsAt(T0 + 3720)[1]).toEqual({ ...zero, buyCents: 12345, buys: 1, buyers: 1, makers: 1 });
    // 4h window still holds all four
    expect(windows.totalsAt(T0 + 3720)[2]).toEqual(all);
    // 24 h after the last swap everything is gone, and the makers are released
    expect(windows.totalsAt(T0 + 3000 + 86_400)).toEqual([zero, zero, zero, zero, zero]);
    expect(windows.size).toBe(0);
  });

  it('counts a maker once per window however often it trades', () => {
    const { windows, maker } = setup();
    const a = maker('a');
    for (const t of [0, 100, 400]) windows.add({ timeSec: T0 + t, side: 'buy', usdCents: 100, makerId: a });
    const [m5, h1] = windows.totalsAt(T0 + 450);
    expect(m5).toEqual({ ...zero, buyCents: 100, buys: 1, buyers: 1, makers: 1 });
    expect(h1).toEqual({ ...zero, buyCents: 300, buys: 3, buyers: 1, makers: 1 });
    windows.add({ timeSec: T0 + 460, side: 'sell', usdCents: 50, makerId: a });
    expect(windows.totalsAt(T0 + 460)[0]).toEqual({ buyCents: 100, sellCents: 50, buys: 1, sells: 1, buyers: 1, sellers: 1, makers: 1 });
  });

  it('says when the totals next change on their own', () => {
    const { windows, maker } = setup();
    expect(windows.nextExitSec()).toBeUndefined();
    windows.add({ timeSec: T0, side: 'buy', usdCents: 1, makerId: maker('a') });
    expect(windows.nextExitSec()).toBe(T0 + 300);
    windows.totalsAt(T0 + 300);
    expect(windows.nextExitSec()).toBe(T0 + 3600);
    windows.totalsAt(T0 + 86_400);
    expect(windows.nextExitSec()).toBeUndefined();
  });

  it('takes back a retracted swap and accepts late swaps, as if they had come in order', () => {
    const { windows, maker } = setup();
    const a = maker('a');
    const b = maker('b');
    const first = { timeSec: T0, side: 'buy' as const, usdCents: 500, makerId: a };
    windows.add(first);
    windows.add({ timeSec: T0 + 200, side: 'sell', usdCents: 300, makerId: b });
    windows.add({ timeSec: T0 + 100, side: 'sell', usdCents: 700, makerId: a }); // late
    expect(windows.totalsAt(T0 + 250)[0]).toEqual({ buyCents: 500, sellCents: 1000, buys: 1, sells: 2, buyers: 1, sellers: 2, makers: 2 });
    expect(windows.retract(first)).toBe(true);
    expect(windows.retract(first)).toBe(false);
    expect(windows.totalsAt(T0 + 250)[0]).toEqual({ ...zero, sellCents: 1000, sells: 2, sellers: 2, makers: 2 });
  });

  it('agrees with the obvious computation on a long random history, and releases every maker at the end', () => {
    const { interner, windows, maker } = setup();
    const random = mulberry32(2024);
    const makers = Array.from({ length: 40 }, (_, i) => maker(i.toString(16)));
    const kept: WindowSwap[] = [];
    let t = T0;
    for (let i = 0; i < 4000; i++) {
      t += Math.floor(random() * 90); // ~3 days of swaps, several per second at times
      const swap: WindowSwap = { timeSec: t, side: random() < 0.55 ? 'buy' : 'sell', usdCents: Math.floor(random() * 1e6), makerId: makers[Math.floor(random() ** 2 * makers.length)] };
      windows.add(swap);
      kept.push(swap);
      if (i % 97 === 0) {
        const now = t + Math.floor(random() * 400);
        expect(windows.totalsAt(now)).toEqual(reference(kept, now));
      }
      if (i % 501 === 0 && kept.length > 10) {
        const victim = kept.splice(kept.length - 3, 1)[0]; // a reorg takes back a recent one
        expect(windows.retract(victim)).toBe(true);
      }
    }
    expect(windows.totalsAt(t + 86_400)).toEqual(RESOLUTIONS.map(() => zero));
    const stillReferenced = makers.filter((id) => interner.address(id) !== undefined);
    expect(stillReferenced).toEqual([]);
  });

  it('rejects a value that is not whole cents', () => {
    const { windows, maker } = setup();
    expect(() => windows.add({ timeSec: T0, side: 'buy', usdCents: 1.5, makerId: maker('a') })).toThrow(RangeError);
  });
});
