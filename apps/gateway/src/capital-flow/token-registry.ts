import type { Database } from '@app/storage';
import { describeToken, FIRST_UNLISTED_ID, TOKEN_CATALOG, TrackedToken } from './tracked-tokens';

/**
 * Gives every configured symbol its persisted `vsTokenId`: kept once assigned (across restarts and config
 * changes), the catalog's preferred id when first seen and free (BTC = 1), else the next id from 1001.
 */
export async function registerTokens(db: Database, symbols: readonly string[]): Promise<TrackedToken[]> {
  return db.transaction(async (tx) => {
    // one writer at a time across replicas starting together
    await tx.query('lock table cf_tokens in share row exclusive mode');
    const { rows } = await tx.query<{ vs_token_id: number; symbol: string }>('select vs_token_id, symbol from cf_tokens');
    const idOf = new Map(rows.map((row) => [row.symbol, Number(row.vs_token_id)]));
    const taken = new Set(idOf.values());
    let nextUnlisted = Math.max(FIRST_UNLISTED_ID, ...[...taken].map((id) => id + 1));
    const tokens: TrackedToken[] = [];
    for (const symbol of symbols) {
      const described = describeToken(symbol);
      let id = idOf.get(symbol);
      if (id === undefined) {
        const preferred = TOKEN_CATALOG[symbol]?.preferredId;
        id = preferred !== undefined && !taken.has(preferred) ? preferred : nextUnlisted++;
        taken.add(id);
        await tx.query('insert into cf_tokens (vs_token_id, symbol, name) values ($1, $2, $3)', [id, symbol, described.name]);
      }
      tokens.push({ vsTokenId: id, ...described });
    }
    return tokens;
  });
}
