interface Held<T> {
  key: string;
  due: number;
  value: T;
}

/**
 * What one event-stream subscription holds back (tier delays), released in due order. Events of one key (one spread lifecycle) keep their
 * order whatever their delays: while an earlier event of the key is held, a later one is held until just after it
 * (its due is raised to the earlier one's), so a builder never gets a close before the open it closes, although
 * opens wait 60 s and closes do not.
 */
export class KeyOrderedDelay<T> {
  /** sorted by due; equal dues keep their arrival order */
  private readonly held: Held<T>[] = [];
  /** per key with frames held: the latest due among them and how many there are */
  private readonly keys = new Map<string, { due: number; count: number }>();

  get size(): number {
    return this.held.length;
  }

  /**
   * Offers a value due at `due`. Returns true when it may go out at once (it is due and nothing of its key is held);
   * otherwise it is held and false is returned.
   */
  offer(key: string, due: number, now: number, value: T): boolean {
    const pending = this.keys.get(key);
    if (!pending && due <= now) return true;
    const at = Math.max(due, pending?.due ?? -Infinity);
    this.insert({ key, due: at, value });
    if (pending) {
      pending.due = at;
      pending.count++;
    } else {
      this.keys.set(key, { due: at, count: 1 });
    }
    return false;
  }

  /** every value held, in due order */
  values(): IterableIterator<T> {
    return this.held.map((item) => item.value).values();
  }

  /** Removes and returns the values due at `now`, in order. */
  takeDue(now: number): T[] {
    let count = 0;
    while (count < this.held.length && this.held[count].due <= now) count++;
    if (count === 0) return [];
    const released = this.held.splice(0, count);
    for (const item of released) {
      const pending = this.keys.get(item.key)!;
      if (--pending.count === 0) this.keys.delete(item.key);
    }
    return released.map((item) => item.value);
  }

  /** Binary search for the first item due later than `item` (appending is the common case). */
  private insert(item: Held<T>): void {
    let low = 0;
    let high = this.held.length;
    if (high === 0 || this.held[high - 1].due <= item.due) {
      this.held.push(item);
      return;
    }
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.held[mid].due <= item.due) low = mid + 1;
      else high = mid;
    }
    this.held.splice(low, 0, item);
  }
}
