import { readFile } from 'node:fs/promises';
import { ApiKeyStore } from './contracts';
import { parseApiKeysFile } from './validate-input';

/** Upserts every consumer of `API_KEYS_FILE`; a missing or malformed file stops start-up with a clear message. */
export async function importApiKeysFile(store: ApiKeyStore, file: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`API_KEYS_FILE=${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const inputs = parseApiKeysFile(text, file);
  for (const input of inputs) await store.upsert(input);
  return inputs.length;
}
