import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class CoinTradeSnapshotRequest {
  @ApiProperty({ example: 1, description: 'token id from vs-token/list (BTC = 1)' })
  @IsInt()
  @Min(1)
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
  symbol?: string;
}
