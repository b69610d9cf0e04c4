/**
 * Child process of `embedded-durability.e2e-spec.ts`: opens the embedded store in `argv[2]` exactly as the gateway
 * does, then commits one row per transaction forever, printing `committed <n>` once each commit has returned. The
 * test kills it with SIGKILL mid-stream and checks that every printed row is there after a restart.
 */
import { createDatabase } from '@app/storage';

async function main(): Promise<void> {
  const db = await createDatabase({ storage: { dataDir: process.argv[2] } });
  await db.query('create table if not exists durability_probe (n integer primary key, payload text not null)');
  const { rows } = await db.query<{ next: number }>('select coalesce(max(n), 0) + 1 as next from durability_probe');
  for (let n = rows[0].next; ; n++) {
    await db.transaction(async (tx) => {
      await tx.query('insert into durability_probe (n, payload) values ($1, $2)', [n, `row ${n} `.repeat(50)]);
    });
    process.stdout.write(`committed ${n}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
