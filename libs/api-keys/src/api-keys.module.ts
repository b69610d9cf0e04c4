import { APP_CONFIG, AppConfig } from '@app/config';
import { DATABASE, Database } from '@app/storage';
import { Global, Logger, Module } from '@nestjs/common';
import { ApiKeyAuthenticator, ApiKeyGuard } from './api-key-auth';
import { importApiKeysFile } from './api-keys-file';
import { API_KEY_STORE } from './contracts';
import { loadServerSalt } from './server-salt';
import { SqlApiKeyStore } from './sql-api-key-store';

const logger = new Logger('ApiKeys');

/** Opens the key store (salt from `service_meta`), upserts `API_KEYS_FILE`, and provides the store, authenticator and guard. */
export async function openApiKeyStore(db: Database, config: { auth: Pick<AppConfig['auth'], 'apiKeysFile'> }): Promise<SqlApiKeyStore> {
  const store = new SqlApiKeyStore(db, await loadServerSalt(db));
  if (config.auth.apiKeysFile) {
    const { upserted, disabled } = await importApiKeysFile(store, config.auth.apiKeysFile);
    logger.log(`API_KEYS_FILE: ${upserted} consumer(s) upserted`);
    // names only: a key is never logged
    if (disabled.length > 0) logger.warn(`API_KEYS_FILE: ${disabled.length} consumer(s) no longer in the file, disabled: ${disabled.map((name) => JSON.stringify(name)).join(', ')}`);
  }
  return store;
}

@Global()
@Module({
  providers: [
    { provide: API_KEY_STORE, inject: [DATABASE, APP_CONFIG], useFactory: (db: Database, config: AppConfig) => openApiKeyStore(db, config) },
    ApiKeyAuthenticator,
    ApiKeyGuard,
  ],
  exports: [API_KEY_STORE, ApiKeyAuthenticator, ApiKeyGuard],
})
export class ApiKeysModule {}
