/** Runs tasks one at a time in call order: PGlite has a single session, so a transaction must own it from BEGIN to COMMIT. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined); // a failed task must not block the ones behind it
    return result;
  }
}
