import { createHash } from 'node:crypto';
import { CsvColumnsError, describeColumn, readCsvTable, type ColumnSpec, type MappedRecord } from './columns.js';
import { parseDecimal, parseInstant } from './values.js';

type ConversionField =
  | 'conversionId'
  | 'email'
  | 'userId'
  | 'anonymousId'
  | 'type'
  | 'value'
  | 'currency'
  | 'occurredAt'
  | 'source'
  | 'medium'
  | 'campaign'
  | 'channel';

/** Header names accepted for each conversion field (compared ignoring case, spaces, `_`, `-`). */
export const CONVERSION_COLUMNS: readonly ColumnSpec<ConversionField>[] = [
  { field: 'conversionId', names: ['conversionId', 'id', 'deal id', 'order id', 'transaction id'] },
  { field: 'email', names: ['email', 'email address'] },
  { field: 'userId', names: ['userId'] },
  { field: 'anonymousId', names: ['anonymousId'] },
  { field: 'type', names: ['type', 'conversion type'] },
  { field: 'value', names: ['value', 'amount', 'revenue', 'deal value', 'deal amount'] },
  { field: 'currency', names: ['currency', 'currency code'] },
  { field: 'occurredAt', names: ['occurredAt', 'date', 'closed at', 'close date', 'closed date', 'timestamp'] },
  { field: 'source', names: ['source', 'utm_source'] },
  { field: 'medium', names: ['medium', 'utm_medium'] },
  { field: 'campaign', names: ['campaign', 'utm_campaign', 'campaign name'] },
  { field: 'channel', names: ['channel'] },
];

const spec = (field: ConversionField) => CONVERSION_COLUMNS.find((c) => c.field === field)!;

/** Values applied to rows whose cell is empty or whose column is absent (query parameters of the upload). */
export interface ConversionDefaults {
  type?: string;
  currency?: string;
}

/** A CSV row turned into the shape of a JSON conversion, still to be validated like one. */
export interface ConversionCsvRow {
  index: number;
  line: number;
  raw?: Record<string, unknown>;
  error?: string;
  /** The row's id, when a row with an error has one. */
  conversionId?: string;
}

/**
 * Rows without a conversionId get one derived from what identifies the deal, so uploading the same
 * spreadsheet twice stores it once. Two deals identical in person, type, time, value and currency collapse
 * into one: a file with such rows needs an id column.
 */
export function derivedConversionId(raw: Record<string, unknown>): string {
  const identity = [raw.type, raw.userId, typeof raw.email === 'string' ? raw.email.toLowerCase() : raw.email, raw.anonymousId, raw.occurredAt, raw.value ?? 0, typeof raw.currency === 'string' ? raw.currency.toUpperCase() : null];
  return 'csv_' + createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}

function toRaw(record: MappedRecord<ConversionField>, defaults: ConversionDefaults): ConversionCsvRow {
  const { index, line, cells } = record;
  if (record.error) return { index, line, error: record.error };
  const raw: Record<string, unknown> = {};
  for (const field of ['conversionId', 'email', 'userId', 'anonymousId', 'type', 'currency', 'source', 'medium', 'campaign', 'channel'] as const) {
    const value = cells[field] ?? (field === 'type' || field === 'currency' ? defaults[field] : undefined);
    if (value !== undefined) raw[field] = value;
  }
  if (cells.value !== undefined) {
    const value = parseDecimal(cells.value);
    if (!value.ok) return { index, line, error: `value ${value.error}`, ...idOf(raw) };
    raw.value = value.value;
  }
  if (cells.occurredAt !== undefined) {
    const at = parseInstant(cells.occurredAt);
    if (!at.ok) return { index, line, error: `occurredAt ${at.error}`, ...idOf(raw) };
    raw.occurredAt = at.value;
  }
  if (Object.keys(record.properties).length > 0) raw.properties = record.properties;
  if (raw.conversionId === undefined) {
    if (raw.occurredAt === undefined) return { index, line, error: 'occurredAt is empty: without a conversionId the date is needed to recognise this deal when the file is uploaded again' };
    raw.conversionId = derivedConversionId(raw);
  }
  return { index, line, raw };
}

const idOf = (raw: Record<string, unknown>) => (typeof raw.conversionId === 'string' ? { conversionId: raw.conversionId } : {});

/**
 * Reads a spreadsheet export of conversions (closed deals, orders). Needs a column saying whose
 * conversion each row is (email, userId or anonymousId) and a type column unless `defaults.type` is
 * given; without an id column, a date column. Other columns are ignored and listed, except
 * `properties.<name>` columns, which fill `properties`.
 */
export function conversionsFromCsv(text: string, defaults: ConversionDefaults, maxRows: number) {
  const table = readCsvTable(text, CONVERSION_COLUMNS, maxRows);
  if (table.tooMany !== undefined) return { rows: [] as ConversionCsvRow[], ignoredColumns: [] as string[], tooMany: table.tooMany };
  const has = (f: ConversionField) => table.columns.index[f] !== undefined;
  const missing: string[] = [];
  if (!has('email') && !has('userId') && !has('anonymousId')) {
    missing.push(`a column saying whose conversion each row is: ${describeColumn(spec('email'))}, ${describeColumn(spec('userId'))} or ${describeColumn(spec('anonymousId'))}`);
  }
  if (!has('type') && !defaults.type) missing.push(`a type column (${describeColumn(spec('type'))}), or ?type=customer (for example) in the URL for every row`);
  if (!has('conversionId') && !has('occurredAt')) {
    missing.push(`an id column (${describeColumn(spec('conversionId'))}) or a date column (${describeColumn(spec('occurredAt'))}), so that uploading the file again stores nothing twice`);
  }
  if (missing.length > 0) throw new CsvColumnsError(`the header row needs ${missing.join('; and ')}`);
  return { rows: table.rows.map((r) => toRaw(r, defaults)), ignoredColumns: table.columns.ignored };
}
