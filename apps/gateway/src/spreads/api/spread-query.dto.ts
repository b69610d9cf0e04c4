import { ApiRulesFromValidation } from '@app/contract';
import { ResumeParams } from '@app/realtime';
import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SPREAD_TYPES } from '../domain/spread-event';
import { PARAM_LIMITS } from './spread-filters';

/**
 * The seed's query params as DTOs: the global ValidationPipe checks types and bounds (and refuses unknown params)
 * before the controller runs; `parseSpreadQuery` then does what a decorator cannot (symbol normalisation, csv
 * items, min_pct <= max_pct, timestamps and cursors) and is shared with the live socket.
 */

type Raw = { value: unknown };
/** A repeated query param takes its last value (the seed's rule); a blank one is absent. */
function lastValue({ value }: Raw): unknown {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === 'string' && last.trim() === '' ? undefined : last;
}
/** Numeric text to a number; anything else is left for the validators to name. */
function toNumber(raw: Raw): unknown {
  const value = lastValue(raw);
  return typeof value === 'string' && value.length <= PARAM_LIMITS.valueLength ? Number(value.trim()) : value;
}
function toBoolean(raw: Raw): unknown {
  const value = lastValue(raw);
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
}

const FINITE = { allowNaN: false, allowInfinity: false };

export class SpreadFilterParams {
  @ApiPropertyOptional({ description: 'Minimum spread percent.', example: 1.5 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(FINITE, { message: 'min_pct must be a number' })
  @Min(0)
  @Max(PARAM_LIMITS.maxPct)
  min_pct?: number;

  @ApiPropertyOptional({ description: 'Maximum spread percent.' })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(FINITE, { message: 'max_pct must be a number' })
  @Min(0)
  @Max(PARAM_LIMITS.maxPct)
  max_pct?: number;

  @ApiPropertyOptional({ description: 'Leg-kind pair.', example: 'spot/futures' })
  @IsOptional()
  @Transform(lastValue)
  @IsIn(SPREAD_TYPES as unknown as string[], { message: `spread_type must be one of ${SPREAD_TYPES.join(', ')}` })
  spread_type?: string;

  @ApiPropertyOptional({ description: 'Match either leg on this exchange.', example: 'BINANCE' })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.valueLength)
  exchange?: string;

  @ApiPropertyOptional({ description: `Restrict both legs to this allowlist: comma-separated exchanges (at most ${PARAM_LIMITS.csvItems}).`, example: 'BINANCE,OKX' })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.csvLength)
  allowed_exchanges?: string;

  @ApiPropertyOptional({ description: 'Match the buy (cheaper) leg only.' })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.valueLength)
  buy_exchange?: string;

  @ApiPropertyOptional({ description: 'Match the sell (dearer) leg only.' })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.valueLength)
  sell_exchange?: string;

  @ApiPropertyOptional({ description: 'Exact symbol, e.g. BTC_USDT (BTC/USDT and lower case are normalised).', example: 'BTC_USDT' })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.valueLength)
  symbol?: string;

  @ApiPropertyOptional({ description: `Symbols to leave out: comma-separated (at most ${PARAM_LIMITS.csvItems}).`, example: 'ZK_USDT' })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.csvLength)
  exclude_symbol?: string;

  @ApiPropertyOptional({ description: 'true: events with a DEX leg only; false: none with a DEX leg.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'dex must be true or false' })
  dex?: boolean;

  @ApiPropertyOptional({ description: 'Minimum 24 h quote volume (USD) on every CEX leg.' })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(FINITE, { message: 'min_volume_24h must be a number' })
  @Min(0)
  @Max(PARAM_LIMITS.maxUsd)
  min_volume_24h?: number;

  @ApiPropertyOptional({ description: 'Minimum pool liquidity (USD) on every DEX leg.' })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(FINITE, { message: 'min_dex_liquidity_usd must be a number' })
  @Min(0)
  @Max(PARAM_LIMITS.maxUsd)
  min_dex_liquidity_usd?: number;

  @ApiPropertyOptional({ description: 'open or close; both when absent.' })
  @IsOptional()
  @Transform(lastValue)
  @IsIn(['open', 'close'], { message: 'events must be open or close' })
  events?: string;

  @ApiPropertyOptional({ description: 'Hide events fresher than this many seconds; the tier raises it to its minimum.', example: 60 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'delay must be an integer number of seconds' })
  @Min(0)
  @Max(PARAM_LIMITS.maxDelaySeconds)
  delay?: number;
}

@ApiRulesFromValidation()
export class SpreadsRecentQuery extends SpreadFilterParams {
  @ApiPropertyOptional({ description: 'Most events to return; capped server-side (recent ≤ 500, history per tier).', example: 100 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(PARAM_LIMITS.maxLimit)
  limit?: number;
}

@ApiRulesFromValidation()
export class SpreadsHistoryQuery extends SpreadsRecentQuery {
  @ApiPropertyOptional({ description: 'Events at or after this unix timestamp (seconds or milliseconds).', example: 1781000000 })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.valueLength)
  since?: string;

  @ApiPropertyOptional({ description: 'Keyset cursor: events strictly older than this unix timestamp, or the meta.next_before of the previous page.' })
  @IsOptional()
  @Transform(lastValue)
  @IsString()
  @MaxLength(PARAM_LIMITS.valueLength)
  before?: string;
}

/** `WS /v1/spreads/live` (and `spreads.live` on /v1/stream): the filters, delay, the key and resume_from. */
export class SpreadsLiveParams extends IntersectionType(SpreadFilterParams, ResumeParams) {
  @ApiPropertyOptional({ description: 'Your API key (or the X-API-Key header on the upgrade; on /v1/stream: params.api_key).' })
  @IsOptional()
  @IsString()
  @MaxLength(PARAM_LIMITS.apiKeyLength)
  api_key?: string;
}
