/** A parsed cell: the value, or why the text cannot be read as one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });
const quote = (text: string) => JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);

/**
 * Reads an amount as spreadsheets show it. Accepted: `1234.5`, `1,234.50` (comma thousands), `1.234,50`
 * and `1234,5` (decimal comma, as in most of Europe), `1 234,50`, with a currency symbol or a trailing
 * ISO code (`€ 99`, `$1,200`, `99.00 EUR`) ignored. A lone comma before exactly three digits (`1,234`) is
 * a thousands separator. Anything else is refused rather than guessed.
 */
export function parseDecimal(text: string): Parsed<number> {
  const bare = text
    .trim()
    .replace(/^[$€£¥₹]|[$€£¥₹]$/g, '')
    .replace(/\s?[A-Za-z]{3}$/, '')
    .replace(/^[A-Za-z]{3}\s?/, '')
    .trim()
    .replace(/[\s\u00a0\u202f']/g, '');
  let normalized: string | undefined;
  if (/^-?\d+(\.\d+)?$/.test(bare)) normalized = bare;
  else if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(bare)) normalized = bare.replace(/,/g, '');
  else if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(bare)) normalized = bare.replace(/\./g, '').replace(',', '.');
  else if (/^-?\d+,\d+$/.test(bare)) normalized = bare.replace(',', '.');
  if (normalized === undefined) return fail(`${quote(text)} is not a number (write it like 1234.50 or 1,234.50)`);
  const value = Number(normalized);
  return Number.isFinite(value) ? ok(value) : fail(`${quote(text)} is not a finite number`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function calendarDay(year: number, month: number, day: number, text: string): Parsed<string> {
  if (month < 1 || month > 12) return fail(`${quote(text)} has no month ${month}`);
  if (day < 1 || day > daysInMonth(year, month)) return fail(`${quote(text)} is not a calendar date`);
  return ok(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
}

/**
 * Reads a calendar day: ISO `YYYY-MM-DD`, or `DD/MM/YYYY` (also `DD.MM.YYYY` and `DD-MM-YYYY`), the
 * day-first order of most spreadsheets outside the US. A US month-first date whose second part is over
 * 12 (`03/25/2026`) is refused with a hint instead of being read wrongly; ambiguous ones (`03/04/2026`)
 * are read day first, as documented.
 */
export function parseDay(text: string): Parsed<string> {
  const t = text.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (iso) return calendarDay(Number(iso[1]), Number(iso[2]), Number(iso[3]), t);
  const dmy = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/.exec(t);
  if (dmy) {
    const [day, month, year] = [Number(dmy[1]), Number(dmy[3]), Number(dmy[4])];
    if (month > 12 && day <= 12) {
      return fail(`${quote(t)} looks month-first (MM/DD/YYYY); Lazo reads DD/MM/YYYY — export dates as YYYY-MM-DD to be unambiguous`);
    }
    return calendarDay(year, month, day, t);
  }
  return fail(`${quote(t)} is not a date: use YYYY-MM-DD (or DD/MM/YYYY)`);
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads an instant: an ISO 8601 date-time (`2026-03-01T10:00:00Z`, with an offset, or with a space for
 * the `T` as spreadsheets write it), or a calendar day as {@link parseDay} reads it, meaning its start.
 * A time without an offset, and a bare day, are taken as UTC: the server's own time zone never decides.
 * Returns the instant as an ISO string.
 */
export function parseInstant(text: string): Parsed<string> {
  const t = text.trim();
  const m = DATE_TIME.exec(t);
  if (m) {
    const day = parseDay(m[1]!);
    if (!day.ok) return day;
    const [hh, mm, ss] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
    if (hh > 23 || mm > 59 || ss > 59) return fail(`${quote(t)} has no such time of day`);
    const zone = (m[6] ?? 'Z').toUpperCase();
    const offset = zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const fraction = (m[5] ?? '').slice(0, 4);
    const ms = Date.parse(`${day.value}T${m[2]}:${m[3]}:${String(ss).padStart(2, '0')}${fraction}${offset}`);
    if (Number.isNaN(ms)) return fail(`${quote(t)} is not a date-time`);
    return ok(new Date(ms).toISOString());
  }
  const day = parseDay(t);
  if (day.ok) return ok(`${day.value}T00:00:00.000Z`);
  // A day-shaped text has a precise reason (month-first, no such day); anything else gets the formats.
  if (/^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$/.test(t)) return day;
  return fail(`${quote(t)} is not a date: use an ISO 8601 date-time, YYYY-MM-DD, or DD/MM/YYYY`);
}
