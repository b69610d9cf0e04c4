import { dtoSchema, S } from '@app/contract';
import { describeStreams, ERROR_FRAME, eventFrameSchema, PING_FRAME, ResumeParams, welcomeFrame } from '@app/realtime';
import { IntersectionType } from '@nestjs/swagger';
import { CAPITAL_FLOW_PATHS } from './capital-flow.controller';
import { VsTokenIdParam } from './capital-flow.dto';
import { COIN_TRADE_SNAPSHOT_SCHEMA } from './capital-flow.schemas';

/** `WS /api/open/v1/trade/snapshot/live` params: the token (as the REST body takes it) and resume_from. */
export class SnapshotLiveParams extends IntersectionType(VsTokenIdParam, ResumeParams) {}

/** The contract of the capital-flow live socket (seed 002 snapshots, pushed). */
export const CapitalFlowContract = describeStreams(() => [
  {
    name: 'capital-flow.snapshot',
    path: CAPITAL_FLOW_PATHS.live,
    kind: 'event',
    auth: 'signed',
    title: 'Capital-flow snapshots, live',
    description:
      "A token's capital snapshot (as POST getCoinTradeSnapshot answers it) at once, then each time its 5-minute point closes. The upgrade is signed like a REST call: X-API-KEY, X-TIMESTAMP, X-SIGN over timestamp + \"GET\" + path with query + empty body.",
    params: dtoSchema(SnapshotLiveParams),
    frame: eventFrameSchema(
      'snapshot',
      { vsTokenId: S.string('The token id.'), data: COIN_TRADE_SNAPSHOT_SCHEMA, sent_at: S.integer('Unix seconds.') },
      ['vsTokenId', 'data', 'sent_at'],
      "The token's snapshot now.",
    ),
    extraMessages: { welcome: welcomeFrame(), ping: PING_FRAME, error: ERROR_FRAME },
  },
]);
