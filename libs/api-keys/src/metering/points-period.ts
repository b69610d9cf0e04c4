import type { PointsPeriodName } from '@app/config';

export interface PeriodBounds {
  /** epoch ms, inclusive */
  start: number;
  /** epoch ms, exclusive: when the quota resets */
  end: number;
}

/** The UTC calendar period holding `nowMs`: the hour, the day, the ISO week (from Monday) or the month. */
export function periodBounds(period: PointsPeriodName, nowMs: number): PeriodBounds {
  const date = new Date(nowMs);
  const [y, m, d, h] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours()];
  switch (period) {
    case 'hour':
      return { start: Date.UTC(y, m, d, h), end: Date.UTC(y, m, d, h + 1) };
    case 'day':
      return { start: Date.UTC(y, m, d), end: Date.UTC(y, m, d + 1) };
    case 'week': {
      const sinceMonday = (date.getUTCDay() + 6) % 7;
      return { start: Date.UTC(y, m, d - sinceMonday), end: Date.UTC(y, m, d - sinceMonday + 7) };
    }
    case 'month':
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
}
