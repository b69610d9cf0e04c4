/** Seed 000 mounts every stream under this prefix; existing frontends depend on the exact paths. */
export const STABLECOINS_WS_PREFIX = '/tzone_apis/services/stablecoins';

/** On `/v1/stream` the seed groups its ten streams under Stablecoins: `stablecoins.<last path segment>`. */
export const SEED_STREAM_GROUP = 'stablecoins';
