import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { parseVsTokenId, VS_TOKEN_ID_MAX } from './vs-token-id';

export class CoinTradeSnapshotRequest {
  @ApiProperty({ oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]{1,10}$' }], example: 1, description: 'token id from vs-token/list (BTC = 1): an integer or the numeric string the list returns' })
  // a numeric string becomes its integer; anything else stays as sent and fails @IsInt (40000)
  @Transform(({ value }) => parseVsTokenId(value) ?? value)
  @IsInt()
  @Min(1)
  @Max(VS_TOKEN_ID_MAX)
  vsTokenId: number;

  @ApiProperty({ example: 1773654600000, description: 'target instant, epoch ms; floored to whole 5 minutes' })
  @IsInt()
  @Min(0)
  @Max(8_640_000_000_000_000)
  date: number;
}

export class VsTokenListRequest {
  @ApiPropertyOptional({ example: 'BTC', description: 'only this symbol (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  @Matches(/^[A-Za-z0-9]*$/, { message: 'symbol must be letters and digits' })
  symbol?: string;
}
