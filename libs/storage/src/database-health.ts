import type { HealthIndicatorResult } from '@nestjs/terminus';
import { Database } from './contracts';

/**
 * Readiness of the database for /health/ready, in terminus' result shape. Never throws: terminus 11 answers a
 * thrown non-`HealthCheckError` with a 500, while a `down` result makes the check report 503 as it should.
 */
export async function checkDatabase(db: Database, timeoutMs = 2000): Promise<HealthIndicatorResult<'database'>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([db.ping(), timeout]);
    return { database: { status: 'up', kind: db.kind } };
  } catch (error) {
    return { database: { status: 'down', kind: db.kind, message: error instanceof Error ? error.message : String(error) } };
  } finally {
    clearTimeout(timer);
  }
}
