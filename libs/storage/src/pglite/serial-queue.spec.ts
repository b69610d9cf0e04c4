import { SerialQueue } from './serial-queue';

describe('SerialQueue', () => {
  it('runs tasks one at a time in call order, and a failure does not block the next', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`end ${name}`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
    const results = await Promise.allSettled([queue.run(task('slow', 20)), queue.run(task('failing', 1, true)), queue.run(task('fast', 1))]);
    expect(events).toEqual(['start slow', 'end slow', 'start failing', 'end failing', 'start fast', 'end fast']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['slow', 'failing failed', 'fast']);
  });
});
