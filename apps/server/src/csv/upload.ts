/** Most rows one conversions or spend request may carry, CSV or JSON. */
export const MAX_UPLOAD_ROWS = 10_000;

/**
 * The CSV text of an upload, if it is one: `text/csv` and `application/csv` arrive as text, and so does a
 * `text/plain` body that does not hold JSON (the content-type parser only decodes text/plain that looks
 * like JSON). A JSON string body (`application/json` `"…"`) is not CSV.
 */
export function csvBody(contentType: string | undefined, body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return type === 'text/csv' || type === 'application/csv' || type === 'text/plain' ? body : undefined;
}

/** The rows of a JSON upload: an array, `{[key]: [...]}`, or (when `single` is allowed) one row object. */
export type JsonRows = { ok: true; rows: unknown[]; single: boolean } | { ok: false; error: string };

export function jsonRows(body: unknown, key: string, allowSingle: boolean): JsonRows {
  if (Array.isArray(body)) return { ok: true, rows: body, single: false };
  if (body && typeof body === 'object') {
    const wrapped = (body as Record<string, unknown>)[key];
    if (wrapped !== undefined) {
      return Array.isArray(wrapped) ? { ok: true, rows: wrapped, single: false } : { ok: false, error: `"${key}" must be an array.` };
    }
    if (allowSingle) return { ok: true, rows: [body], single: true };
  }
  const shapes = allowSingle ? `one object, an array of them, or {"${key}": [...]}` : `an array of rows or {"${key}": [...]}`;
  return { ok: false, error: `Send ${shapes} as JSON, or CSV with Content-Type: text/csv.` };
}

/** A boolean query parameter: absent is false; `true`/`1`/`false`/`0` as written; anything else is an error. */
export function queryFlag(query: unknown, name: string): boolean | string {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === '' || value === 'true' || value === '1') return true;
  return `${name} must be true or false`;
}

/** A string query parameter, or undefined when absent or empty. */
export function queryText(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
