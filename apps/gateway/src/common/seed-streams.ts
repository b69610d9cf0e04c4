import { streamName } from '@app/realtime';
import { SEED_STREAM_GROUP, STABLECOINS_WS_PREFIX } from './seed-paths';

/**
 * A seed-000 stream's name on `/v1/stream`: `stablecoins.<last path segment>` (the seed groups every stream under
 * Stablecoins), e.g. `/tzone_apis/services/stablecoins/derivative/ws/24h_volume` → `stablecoins.24h_volume`.
 */
export function seedStreamName(path: string): string {
  if (!path.startsWith(`${STABLECOINS_WS_PREFIX}/`)) throw new Error(`${path} is not a seed-000 path`);
  // the same rule as the layer's (`declareViewStreams`), so the contract and /v1/stream cannot disagree
  return streamName(SEED_STREAM_GROUP, path);
}
