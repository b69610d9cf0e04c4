import { z } from 'zod';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);

/** One entry of an `eth_getLogs` result. */
export const evmLogSchema = z.object({
  address: hex,
  topics: z.array(hex),
  data: hex,
  blockNumber: hex,
  blockHash: hex,
  transactionHash: hex,
  logIndex: hex,
  removed: z.boolean().optional(),
});

export const evmLogsSchema = z.array(evmLogSchema);

/** `eth_getBlockByNumber(n, true)`: null for a block the node does not have (yet). */
export const evmBlockSchema = z
  .object({
    hash: hex,
    timestamp: hex,
    transactions: z.array(z.union([hex, z.object({ hash: hex, from: hex })])),
  })
  .nullable();

export type EvmRawLog = z.infer<typeof evmLogSchema>;
export type EvmRawBlock = z.infer<typeof evmBlockSchema>;
