/** Date ranges as the reports take them: inclusive UTC days `YYYY-MM-DD`. Pure: the clock is passed in. */

export interface DateRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const toDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

export function isDay(s: unknown): s is string {
  return typeof s === 'string' && DAY.test(s) && !Number.isNaN(dayMs(s)) && toDay(dayMs(s)) === s;
}

/** Days in a range, both ends included. */
export function rangeDays(range: DateRange): number {
  return Math.round((dayMs(range.to) - dayMs(range.from)) / DAY_MS) + 1;
}

/** The range of the same length that ends the day before `range` starts: what "change" compares with. */
export function previousRange(range: DateRange): DateRange {
  const days = rangeDays(range);
  const to = dayMs(range.from) - DAY_MS;
  return { from: toDay(to - (days - 1) * DAY_MS), to: toDay(to) };
}

export type PresetId = '7d' | '30d' | '90d' | 'month' | 'last-month';

export const PRESETS: ReadonlyArray<{ id: PresetId; label: string }> = [
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: '90d', label: 'Last 90 days' },
  { id: 'month', label: 'This month' },
  { id: 'last-month', label: 'Last month' },
];

export function presetRange(id: PresetId, nowMs: number): DateRange {
  const today = toDay(nowMs);
  const back = (n: number) => ({ from: toDay(dayMs(today) - (n - 1) * DAY_MS), to: today });
  switch (id) {
    case '7d':
      return back(7);
    case '30d':
      return back(30);
    case '90d':
      return back(90);
    case 'month':
      return { from: `${today.slice(0, 7)}-01`, to: today };
    case 'last-month': {
      const firstOfThis = dayMs(`${today.slice(0, 7)}-01`);
      const lastOfPrev = toDay(firstOfThis - DAY_MS);
      return { from: `${lastOfPrev.slice(0, 7)}-01`, to: lastOfPrev };
    }
  }
}

/** A valid range from user input: swapped ends are put in order, invalid days give `undefined`. */
export function normalizeRange(from: unknown, to: unknown): DateRange | undefined {
  if (!isDay(from) || !isDay(to)) return undefined;
  return from <= to ? { from, to } : { from: to, to: from };
}
