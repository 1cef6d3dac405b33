/** Number, money and date formatting, in the browser's locale. Pure: no DOM. */

const DASH = '—';

const cache = new Map<string, Intl.NumberFormat>();
function nf(key: string, options: Intl.NumberFormatOptions, locale?: string): Intl.NumberFormat {
  const k = `${locale ?? ''}|${key}`;
  let f = cache.get(k);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    cache.set(k, f);
  }
  return f;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Counts; attributed counts are fractional (1.5 leads), so up to one decimal below 100. */
export function formatCount(v: unknown, locale?: string): string {
  if (!isNum(v)) return DASH;
  const digits = Number.isInteger(v) || Math.abs(v) >= 100 ? 0 : 1;
  return nf(`count${digits}`, { maximumFractionDigits: digits }, locale).format(v);
}

export function formatMoney(v: unknown, currency = 'EUR', locale?: string): string {
  if (!isNum(v)) return DASH;
  const big = Math.abs(v) >= 1000;
  try {
    return nf(`money:${currency}:${big}`, { style: 'currency', currency, maximumFractionDigits: big ? 0 : 2 }, locale).format(v);
  } catch {
    // An unknown currency code from the server: show the amount with the code after it.
    return `${nf('money-fallback', { maximumFractionDigits: 2 }, locale).format(v)} ${currency}`;
  }
}

/** A ratio (0.26) as a percentage (26 %). */
export function formatPercent(v: unknown, locale?: string): string {
  if (!isNum(v)) return DASH;
  const digits = Math.abs(v) < 0.1 ? 1 : 0;
  return nf(`pct${digits}`, { style: 'percent', maximumFractionDigits: digits }, locale).format(v);
}

/** Return on ad spend as a multiple: 4.67 → "4.67×". */
export function formatMultiple(v: unknown, locale?: string): string {
  if (!isNum(v)) return DASH;
  return `${nf('mult', { maximumFractionDigits: 2, minimumFractionDigits: 2 }, locale).format(v)}×`;
}

/** NPS runs from −100 to +100. */
export function formatNps(v: unknown): string {
  if (!isNum(v)) return DASH;
  const r = Math.round(v);
  return r > 0 ? `+${r}` : String(r);
}

/**
 * Relative change from `previous` to `current`: `undefined` when it cannot be said (no previous value,
 * or it was 0 — "up from nothing" has no percentage).
 */
export function relativeChange(current: unknown, previous: unknown): number | undefined {
  if (!isNum(current) || !isNum(previous) || previous === 0) return undefined;
  return (current - previous) / Math.abs(previous);
}

export function formatChange(change: number | undefined, locale?: string): string {
  if (change === undefined) return 'no previous data';
  if (Math.abs(change) < 0.0005) return '±0 %';
  const sign = change > 0 ? '+' : '−';
  return sign + nf('chg', { style: 'percent', maximumFractionDigits: 1 }, locale).format(Math.abs(change));
}

/** `2026-01-31T12:00:00Z` → "31 Jan 2026, 12:00" in the browser's locale and time zone. */
export function formatDateTime(iso: unknown, locale?: string): string {
  if (typeof iso !== 'string' && typeof iso !== 'number') return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return DASH;
  return d.toLocaleString(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A UTC day `2026-01-31` → "31 Jan" (or with the year when asked). */
export function formatDay(day: string, withYear = false, locale?: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return d.toLocaleDateString(locale, { day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}), timeZone: 'UTC' });
}

/** Any value from the API shown as text: objects as compact JSON, nothing as a dash. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return DASH;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
