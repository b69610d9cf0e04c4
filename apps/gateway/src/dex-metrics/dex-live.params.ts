import { ResumeParams } from '@app/realtime';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Longest ticker worth looking up: `<chain>:<40-hex pool address>-<currency>` with room to spare. */
export const TICKER_MAX_LENGTH = 128;

/** `WS /v1/dex-metrics/live` (and `dex-metrics.live` on /v1/stream). */
export class DexLiveParams extends ResumeParams {
  @ApiPropertyOptional({ description: 'Only the messages of this symbol: a ticker of GET /symbol_info (the Kafka key). Absent: every symbol.', example: 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae-USD' })
  @IsOptional()
  @IsString()
  @MaxLength(TICKER_MAX_LENGTH)
  ticker?: string;
}
