/** Sum of a DefiLlama `{ peggedUSD: n, peggedEUR: m, ... }` map (null and non-finite values count as 0). */
export function sumPegAmounts(amounts: Readonly<Record<string, number | null>> | undefined): number {
  let total = 0;
  if (!amounts) return total;
  for (const value of Object.values(amounts)) if (typeof value === 'number' && Number.isFinite(value)) total += value;
  return total;
}
