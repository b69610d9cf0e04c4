import { z } from 'zod';

const nullableDecimal = z.string().nullable().optional();

/** One pool of `GET /networks/{network}/pools` (JSON:API); only the fields the spreads read are named. */
export const geckoTerminalPoolSchema = z.object({
  attributes: z.object({ name: z.string(), address: z.string(), base_token_price_usd: nullableDecimal, reserve_in_usd: nullableDecimal }),
  relationships: z.object({ dex: z.object({ data: z.object({ id: z.string() }) }) }),
});

export const geckoTerminalPoolsSchema = z.object({ data: z.array(geckoTerminalPoolSchema) });

export type GeckoTerminalPool = z.infer<typeof geckoTerminalPoolSchema>;
export type GeckoTerminalPools = z.infer<typeof geckoTerminalPoolsSchema>;
