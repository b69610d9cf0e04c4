import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DEFAULT_DISTRIBUTION_CHAINS, DISTRIBUTION_PERIODS, type DistributionPeriod } from './distribution';
import { parseListParam } from './list-param';
import { MARKETCAP_PERIODS, type MarketcapPeriod } from './marketcap-index';

const lowerCase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
/** CoinGecko vs currencies are short lower-case codes (usd, eur, btc, ...); the upstream rejects unknown ones. */
const VS_CURRENCY = /^[a-z]{2,10}$/;
/** CoinGecko ids and DefiLlama chain slugs: lower-case words with dashes, dots, underscores or spaces. */
const SLUG = /^[a-z0-9][a-z0-9 ._-]{0,63}$/;

export class MainTableParams {
  @ApiPropertyOptional({ description: 'Currency of prices and market caps (a CoinGecko vs currency).', example: 'eur' })
  @Transform(lowerCase)
  @IsString()
  @Matches(VS_CURRENCY, { message: 'vs_currency must be a currency code like usd or eur' })
  vs_currency = 'usd';
}

export class MarketcapIndexParams {
  @ApiPropertyOptional({ description: 'How far back the series goes.' })
  @IsIn(MARKETCAP_PERIODS as unknown as string[], { message: `period must be one of ${MARKETCAP_PERIODS.join(', ')}` })
  period: MarketcapPeriod = '1d';
}

export class DistributionParams {
  @ApiPropertyOptional({ description: 'DefiLlama chain names: a comma-separated list or a JSON array.', example: ['ethereum', 'tron'] })
  @Transform(({ value }) => parseListParam(value))
  @IsArray({ message: 'chains must be a comma-separated list or a JSON array of chain names' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(SLUG, { each: true, message: 'each chain must be a chain name like ethereum or bsc' })
  chains: string[] = [...DEFAULT_DISTRIBUTION_CHAINS];

  @ApiPropertyOptional({ description: 'The period the change is measured over.' })
  @IsIn(DISTRIBUTION_PERIODS as unknown as string[], { message: `period must be one of ${DISTRIBUTION_PERIODS.join(', ')}` })
  period: DistributionPeriod = '1d';
}

export class ComparativePriceParams {
  @ApiPropertyOptional({ description: 'CoinGecko ids: a comma-separated list or a JSON array (one upstream call each).', example: ['tether', 'usd-coin'] })
  @Transform(({ value }) => parseListParam(value))
  @IsArray({ message: 'stablecoin_ids must be a comma-separated list or a JSON array of CoinGecko ids' })
  @ArrayMinSize(1)
  // one market_chart call per id: keep a subscription's upstream cost bounded
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(SLUG, { each: true, message: 'each stablecoin id must be a CoinGecko id like tether' })
  stablecoin_ids: string[] = ['tether', 'usd-coin', 'dai'];

  @ApiPropertyOptional({ description: 'Currency of prices and market caps (a CoinGecko vs currency).', example: 'eur' })
  @Transform(lowerCase)
  @IsString()
  @Matches(VS_CURRENCY, { message: 'vs_currency must be a currency code like usd or eur' })
  vs_currency = 'usd';

  @ApiPropertyOptional({ description: 'Days of history.' })
  @Type(() => Number)
  @IsInt({ message: 'days must be an integer' })
  @Min(1)
  @Max(365)
  days = 7;

  /** Deprecated in the seed and not used: accepted for old clients, dropped so it never splits feeds. */
  @ApiPropertyOptional({ description: 'Deprecated and ignored (accepted for old clients).', deprecated: true })
  @IsOptional()
  @Transform(() => undefined)
  interval?: string;
}
