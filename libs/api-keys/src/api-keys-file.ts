import { readFile } from 'node:fs/promises';
import { ApiKeyStore } from './contracts';
import { parseApiKeysFile } from './validate-input';

export interface ApiKeysFileImport {
  /** consumers upserted from the file */
  upserted: number;
  /** names of the consumers the file had managed and no longer lists: now disabled */
  disabled: string[];
}

/**
 * Makes the store match `API_KEYS_FILE`: upserts every consumer of the file, and disables the consumers that an
 * earlier start upserted from it and that it no longer lists (removing a key from the file revokes it). Consumers
 * made with the CLI are left alone. A missing or malformed file stops start-up with a clear message.
 */
export async function importApiKeysFile(store: ApiKeyStore, file: string): Promise<ApiKeysFileImport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`API_KEYS_FILE=${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const inputs = parseApiKeysFile(text, file);
  for (const input of inputs) await store.upsert(input, 'file');
  const disabled = await store.disableFileConsumersExcept(inputs.map((input) => input.key));
  return { upserted: inputs.length, disabled };
}
