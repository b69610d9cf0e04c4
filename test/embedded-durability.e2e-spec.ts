import { createDatabase } from '@app/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, ServiceProcess, TS_REGISTER } from './support/service-process';

const COMMITTED = /committed (\d+)\n/g;

/** The highest row the writer reported committed: every row up to it must survive. */
function lastCommitted(logs: string): number {
  let last = 0;
  for (const match of logs.matchAll(COMMITTED)) last = Number(match[1]);
  return last;
}

describe('embedded PGlite store (its memory settings) after kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-embedded-durability-'));
  const writers: ServiceProcess[] = [];
  const startWriter = () => {
    const writer = new ServiceProcess('node', ['-r', TS_REGISTER, 'test/support/embedded-writer.ts', dataDir], childEnv({}));
    writers.push(writer);
    return writer;
  };

  afterAll(async () => {
    for (const writer of writers) await writer.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every committed row when the writer is killed mid-stream, twice, and takes new writes after', async () => {
    let acknowledged = 0;
    for (const round of [1, 2]) {
      const writer = startWriter();
      // killed while it commits: 150 rows past the previous run's, the second run on a directory that a kill left
      await writer.waitForOutput(new RegExp(`committed ${acknowledged + 150}\\n`), 120_000);
      writer.signal('SIGKILL');
      expect((await writer.exitWithin(10_000)).signal).toBe('SIGKILL');
      acknowledged = lastCommitted(writer.logs());
      expect(acknowledged).toBeGreaterThanOrEqual(150 * round);
    }

    const db = await createDatabase({ storage: { dataDir } });
    try {
      const { rows } = await db.query<{ count: string; max: number; damaged: string }>(
        'select count(*) as count, max(n) as max, count(*) filter (where payload not like $1) as damaged from durability_probe',
        ['row %'],
      );
      // rows 1..max, none missing: every acknowledged row, plus at most the one commit in flight at the kill
      expect(Number(rows[0].count)).toBe(rows[0].max);
      expect(rows[0].max).toBeGreaterThanOrEqual(acknowledged);
      expect(rows[0].max).toBeLessThanOrEqual(acknowledged + 1);
      expect(rows[0].damaged).toBe('0');
      await db.query('insert into durability_probe (n, payload) values ($1, $2)', [rows[0].max + 1, 'row after restart']);
    } finally {
      await db.close();
    }
  }, 300_000);
});
