import { json, SimulatorResponse, SimulatorRouteModule } from '../../route-module';
import { FuturesHourRow, FuturesTick, findPerpetual, pickGroups, simulateFuturesTick, SIMULATED_FUTURES_MARKETS, TICK_GROUPS } from './coindesk-payloads';

/** CoinDesk's error envelope: `Data` empty, `Err` saying what and, for a bad parameter, which values. */
function coindeskError(status: number, type: number, message: string, otherInfo?: { param: string; values: string[] }): SimulatorResponse {
  return json({ Data: {}, Err: { type, message, ...(otherInfo ? { other_info: otherInfo } : {}) } }, status);
}

const MAX_INSTRUMENTS = 25;
const MAPPING_PRIORITIES = ['CHECK_MAPPED_FIRST', 'CHECK_UNMAPPED_FIRST'];

/** CoinDesk Data API, relative to `baseUrls.coindesk`. Only the futures latest tick is served (synthesised, see SOURCES.md). */
export const coindeskRoutes: SimulatorRouteModule = {
  upstream: 'coindesk',
  routes: [
    {
      path: '/futures/v1/latest/tick',
      handle: ({ query }, { fixtures, drift, nowMs }) => {
        const market = query.get('market');
        const instruments = (query.get('instruments') ?? '').split(',').map((name) => name.trim()).filter(Boolean);
        const groups = (query.get('groups') ?? '').split(',').map((name) => name.trim().toUpperCase()).filter(Boolean);
        const mappingPriority = query.get('mapping_priority') ?? 'CHECK_MAPPED_FIRST';
        if (!market) return coindeskError(400, 1, 'market is a required parameter', { param: 'market', values: [] });
        if (!SIMULATED_FUTURES_MARKETS.includes(market)) {
          return coindeskError(400, 2, `We do not have futures market data for ${market}`, { param: 'market', values: [market] });
        }
        if (instruments.length === 0) return coindeskError(400, 1, 'instruments is a required parameter', { param: 'instruments', values: [] });
        if (instruments.length > MAX_INSTRUMENTS) {
          return coindeskError(400, 1, `instruments takes at most ${MAX_INSTRUMENTS} values`, { param: 'instruments', values: instruments });
        }
        const unknownGroups = groups.filter((group) => !TICK_GROUPS[group]);
        if (unknownGroups.length > 0) return coindeskError(400, 1, 'groups has values that are not supported', { param: 'groups', values: unknownGroups });
        if (!MAPPING_PRIORITIES.includes(mappingPriority)) {
          return coindeskError(400, 1, 'mapping_priority is not valid', { param: 'mapping_priority', values: [mappingPriority] });
        }

        const hours = fixtures.json<{ Data: FuturesHourRow[] }>('coindesk', 'futures-historical-hours.json').Data;
        const data: Record<string, FuturesTick> = {};
        const notFound: string[] = [];
        for (const requested of instruments) {
          const perp = findPerpetual(market, requested, mappingPriority);
          if (!perp) notFound.push(requested);
          else data[requested] = groups.length > 0 ? pickGroups(simulateFuturesTick(hours, perp, drift, nowMs), groups) : simulateFuturesTick(hours, perp, drift, nowMs);
        }
        if (notFound.length === instruments.length) {
          return coindeskError(404, 2, `No data for the requested instruments on ${market}`, { param: 'instruments', values: notFound });
        }
        const err = notFound.length > 0 ? { type: 2, message: `No data for some instruments on ${market}`, other_info: { param: 'instruments', values: notFound } } : {};
        return json({ Data: data, Err: err });
      },
    },
  ],
  notFound: () => coindeskError(404, 1, 'Path does not exist'),
};
