/**
 * Exact USD amounts as fixed-point bigints (8 decimals, as many as Binance's volumes carry): sums over hundreds of
 * bars stay exact, so a figure can be checked by hand against the klines it came from.
 */
export type FlowAmount = bigint;

const SCALE_DIGITS = 8;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string ("15642623.69718"); digits past the 8th decimal are truncated toward zero. */
export function parseAmount(text: string): FlowAmount {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ''] = match;
  const value = BigInt(whole) * SCALE + BigInt(fraction.slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, '0'));
  return sign ? -value : value;
}

/** The shortest exact decimal string: "2859732.60496", "-12", "0". */
export function formatAmount(value: FlowAmount): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

export function sumAmounts(values: Iterable<FlowAmount>): FlowAmount {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

export function maxAmount(values: readonly FlowAmount[]): FlowAmount | undefined {
  return values.reduce<FlowAmount | undefined>((max, value) => (max === undefined || value > max ? value : max), undefined);
}
