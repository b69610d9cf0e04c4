import DataLoader from 'dataloader';

/**
 * A DataLoader that writes in group commits: one batch statement runs at a time; the calls that arrive meanwhile wait
 * and go together as the next batch. Under load a batch holds what arrived during a round trip (one statement and one
 * commit for all of them, instead of one each); alone, a call waits one event-loop turn. Every call still resolves
 * only after its own batch committed: durability is the single statement's. (Two or three batches in flight measured
 * no faster in bench:capital-flow: the commits queue in Postgres either way.)
 *
 * `write` gets the calls in arrival order and answers one value (or Error) per call, in the same order.
 */
export function groupCommit<K, V>(write: (calls: readonly K[]) => Promise<ReadonlyArray<V | Error>>, maxBatchSize = 500): DataLoader<K, V> {
  // the latest batch statement, settled or not (a settled one lets the next batch go at once)
  let latest: Promise<unknown> = Promise.resolve();
  return new DataLoader<K, V>(
    (calls) => {
      const written = write(calls);
      latest = written.then(
        () => undefined,
        () => undefined,
      );
      return written;
    },
    {
      cache: false,
      maxBatchSize,
      // a statement running: this batch goes once it is done; none: after this turn's other I/O callbacks joined
      batchScheduleFn: (dispatch) => void latest.then(() => setImmediate(dispatch)),
    },
  );
}
