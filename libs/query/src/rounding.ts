/** `value` rounded (as `Math.round`: halves up) to `decimals` places, for the numbers rows show. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
