import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsString, Matches, Max, Min } from 'class-validator';

export class EventLogsParams {
  /** relative distance from the peg, 0.01 = 1 % */
  @ApiPropertyOptional({ description: 'Relative distance from the peg that counts as a de-peg: 0.01 = 1 %.', example: 0.02 })
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threshold must be a number like 0.01 (= 1 %)' })
  @Min(0.001)
  @Max(0.5)
  threshold = 0.01;

  /** DefiLlama peg type: peggedUSD, peggedEUR, ... */
  @ApiPropertyOptional({ description: 'DefiLlama peg type.', example: 'peggedEUR' })
  @IsString()
  @Matches(/^pegged[A-Z]{3}$/, { message: 'peg_type must be a DefiLlama peg type like peggedUSD or peggedEUR' })
  peg_type = 'peggedUSD';

  @ApiPropertyOptional({ description: 'Days of history to scan.' })
  @Type(() => Number)
  @IsInt({ message: 'days_back must be an integer' })
  @Min(1)
  @Max(365)
  days_back = 7;
}
