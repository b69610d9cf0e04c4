import { APP_CONFIG, AppConfig } from '@app/config';
import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Database, DATABASE } from './contracts';
import { createDatabase, describeStorage } from './create-database';
import { findMigrationsDir, runMigrations } from './migrations';

export interface StorageOptions {
  /** defaults to `MIGRATIONS_DIR` (config), else `findMigrationsDir()` */
  migrationsDir?: string;
}

const logger = new Logger('Storage');

/**
 * Provides `DATABASE` app-wide. Migrations run inside the provider's factory, so no other provider can see the
 * database before its tables exist. The database is closed on application shutdown (`app.close()` or a signal).
 */
@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  static forRoot(options: StorageOptions = {}): DynamicModule {
    return {
      module: StorageModule,
      providers: [{ provide: DATABASE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openMigratedDatabase(config, options) }],
      exports: [DATABASE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

async function openMigratedDatabase(config: AppConfig, options: StorageOptions): Promise<Database> {
  logger.log(`storage: ${describeStorage(config)}`);
  const db = await createDatabase(config);
  try {
    const applied = await runMigrations(db, { dir: options.migrationsDir ?? findMigrationsDir({ MIGRATIONS_DIR: config.storage.migrationsDir }) });
    logger.log(applied.length > 0 ? `migrations applied: ${applied.join(', ')}` : 'migrations: up to date');
    return db;
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
