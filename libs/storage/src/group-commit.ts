import DataLoader from 'dataloader';

/**
 * A DataLoader that writes in group commits: at most `maxInFlight` batch statements run at a time; the calls that
 * arrive meanwhile wait and go together as the next batch. Under load a batch holds what arrived during a round trip
 * (one statement and one commit for all of them, instead of one each); alone, a call waits one event-loop turn.
 * Every call still resolves only after its own batch committed: durability is the single statement's.
 *
 * `write` gets the calls in arrival order and answers one value (or Error) per call, in the same order.
 */
export function groupCommit<K, V>(
  write: (calls: readonly K[]) => Promise<ReadonlyArray<V | Error>>,
  { maxInFlight = 1, maxBatchSize = 500 }: { maxInFlight?: number; maxBatchSize?: number } = {},
): DataLoader<K, V> {
  const inFlight = new Set<Promise<unknown>>();
  return new DataLoader<K, V>(
    (calls) => {
      const written = write(calls);
      const settled: Promise<unknown> = written.then(
        () => inFlight.delete(settled),
        () => inFlight.delete(settled),
      );
      inFlight.add(settled);
      return written;
    },
    {
      cache: false,
      maxBatchSize,
      batchScheduleFn: (dispatch) => {
        // room for another statement: after this turn's other I/O callbacks joined; none: when one of them is done
        if (inFlight.size < maxInFlight) setImmediate(dispatch);
        else void Promise.race(inFlight).then(() => setImmediate(dispatch));
      },
    },
  );
}
