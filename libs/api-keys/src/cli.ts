/**
 * API key management: `npm run keys -- <command> [options]`.
 *   add    --name <name> --tier <machine-dev|builder|contract> [--key <key>] [--secret <secret>] [--points <n>]
 *          prints the key once (a random one when --key is not given); keys are stored hashed
 *   list   consumers: id, name, tier, points, status, trace (never keys or secrets)
 *   revoke --key <key> | --id <id>
 * Uses the same database as the service (DATABASE_URL, else PGlite in DATA_DIR) and applies migrations first.
 * Stop the service first when it runs on embedded PGlite: the data directory is locked by one process at a time
 * ("DATA_DIR is in use by pid N", exit 2).
 */
import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { createDatabase, findMigrationsDir, runMigrations } from '@app/storage';
import { ApiTier } from './contracts';
import { generateApiKey, generateSecret } from './key-hash';
import { loadServerSalt } from './server-salt';
import { SqlApiKeyStore } from './sql-api-key-store';

type Output = (line: string) => void;

export function parseFlags(args: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!match) throw new Error(`unexpected argument "${args[i]}"`);
    if (match[2] !== undefined) flags[match[1]] = match[2];
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) flags[match[1]] = args[++i];
    else throw new Error(`--${match[1]} needs a value`);
  }
  return flags;
}

/** Runs one command against `store`; returns the process exit code. */
export async function runKeysCommand(store: SqlApiKeyStore, argv: string[], out: Output): Promise<number> {
  const [command, ...rest] = argv;
  const flags = parseFlags(rest);
  switch (command) {
    case 'add': {
      const key = flags.key ?? generateApiKey();
      const consumer = await store.upsert({
        key,
        name: flags.name ?? '',
        tier: flags.tier as ApiTier,
        secret: flags.secret ?? generateSecret(),
        points: flags.points === undefined ? undefined : Number(flags.points),
      });
      out(`consumer ${consumer.id} "${consumer.name}" tier=${consumer.tier} points=${consumer.points} trace=${consumer.trace}`);
      if (!flags.key) out(`key (shown once, store it now): ${key}`);
      if (!flags.secret) out(`secret (shown once): ${consumer.secret}`);
      return 0;
    }
    case 'list': {
      const consumers = await store.list();
      if (consumers.length === 0) out('no consumers');
      for (const c of consumers) out(`${c.id}\t${c.name}\t${c.tier}\tpoints=${c.points}\t${c.disabled ? 'revoked' : 'active'}\t${c.trace}`);
      return 0;
    }
    case 'revoke': {
      const found = flags.key ? await store.revoke(flags.key) : flags.id ? await store.revokeById(Number(flags.id)) : undefined;
      if (found === undefined) throw new Error('revoke needs --key <key> or --id <id>');
      out(found ? 'revoked' : 'no such consumer');
      return found ? 0 : 1;
    }
    default:
      throw new Error(`unknown command "${command ?? ''}": use add, list or revoke`);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await createDatabase(config);
  try {
    await runMigrations(db, { dir: findMigrationsDir({ MIGRATIONS_DIR: config.storage.migrationsDir }) });
    const store = new SqlApiKeyStore(db, await loadServerSalt(db), { cacheMs: 0 });
    process.exitCode = await runKeysCommand(store, process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`keys: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
