import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { parseVsTokenId, VS_TOKEN_ID_MAX } from './vs-token-id';

const VS_TOKEN_ID_DOCS = {
  description: 'token id from vs-token/list (BTC = 1): an integer or the numeric string the list returns',
  example: 1,
} as const;
// the error pipe names the field in front of each message
const VS_TOKEN_ID_RULE = `an integer from 1 to ${VS_TOKEN_ID_MAX}, or its digits as a string`;

/**
 * The open API's request bodies are zod DTOs (nestjs-zod): they are checked on every signed, metered call, where
 * class-validator's generic walk cost about a tenth of the route's CPU (bench:capital-flow). Same rules as before:
 * unknown fields refused, `vsTokenId` as an integer or its digits, `date` an integer epoch ms.
 */
const vsTokenIdBody = z
  .union([z.int().min(1).max(VS_TOKEN_ID_MAX), z.string().regex(/^[0-9]{1,10}$/)], { error: VS_TOKEN_ID_RULE })
  // the numeric string becomes its integer, in range or refused
  .transform((value, context) => {
    const id = parseVsTokenId(value);
    if (id !== undefined) return id;
    context.addIssue({ code: 'custom', message: VS_TOKEN_ID_RULE });
    return z.NEVER;
  })
  .meta(VS_TOKEN_ID_DOCS);

export class CoinTradeSnapshotRequest extends createZodDto(
  z.strictObject({
    vsTokenId: vsTokenIdBody,
    date: z
      .int()
      .min(0)
      .max(8_640_000_000_000_000)
      .meta({ description: 'target instant, epoch ms; floored to whole 5 minutes', example: 1773654600000 }),
  }),
) {}

export class VsTokenListRequest extends createZodDto(
  z.strictObject({
    // null counts as absent, as it always did
    symbol: z
      .string()
      .max(20)
      .regex(/^[A-Za-z0-9]*$/, { error: 'letters and digits only' })
      .nullish()
      .meta({ description: 'only this symbol (case-insensitive)', example: 'BTC' }),
  }),
) {}

/** The live socket's token param (a query string, so always the digits): the same rule as the body's `vsTokenId`. */
export class VsTokenIdParam {
  @ApiProperty({ ...VS_TOKEN_ID_DOCS, oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]{1,10}$' }] })
  // a numeric string becomes its integer; anything else stays as sent and fails @IsInt
  @Transform(({ value }) => parseVsTokenId(value) ?? value)
  @IsInt()
  @Min(1)
  @Max(VS_TOKEN_ID_MAX)
  vsTokenId: number;
}
