import type { HealthIndicatorResult } from '@nestjs/terminus';
import { withDeadline } from '@app/scheduling/deadlines';
import { Database } from './contracts';

/**
 * Readiness of the database for /health/ready, in terminus' result shape. Never throws: terminus 11 answers a
 * thrown non-`HealthCheckError` with a 500, while a `down` result makes the check report 503 as it should.
 */
export async function checkDatabase(db: Database, timeoutMs = 2000): Promise<HealthIndicatorResult<'database'>> {
  try {
    await withDeadline(db.ping(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    return { database: { status: 'up', kind: db.kind } };
  } catch (error) {
    return { database: { status: 'down', kind: db.kind, message: error instanceof Error ? error.message : String(error) } };
  }
}
