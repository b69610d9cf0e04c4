/** Seed 000 mounts every stream under this prefix; existing frontends depend on the exact paths. */
export const STABLECOINS_WS_PREFIX = '/tzone_apis/services/stablecoins';
