import { CsvColumnsError, describeColumn, readCsvTable, type ColumnSpec, type MappedRecord } from './columns.js';
import { parseDay, parseDecimal } from './values.js';

type SpendField = 'date' | 'source' | 'medium' | 'campaign' | 'amount' | 'currency';

/** Header names accepted for each spend field (compared ignoring case, spaces, `_`, `-`). */
export const SPEND_COLUMNS: readonly ColumnSpec<SpendField>[] = [
  { field: 'date', names: ['date', 'day'] },
  { field: 'source', names: ['source', 'utm_source'] },
  { field: 'medium', names: ['medium', 'utm_medium'] },
  { field: 'campaign', names: ['campaign', 'campaign name', 'utm_campaign'] },
  { field: 'amount', names: ['amount', 'cost', 'spend', 'amount spent'] },
  { field: 'currency', names: ['currency', 'currency code'] },
];

const spec = (field: SpendField) => SPEND_COLUMNS.find((c) => c.field === field)!;

/** Values for rows whose cell is empty or whose column is absent (an ad platform's export has no source). */
export interface SpendDefaults {
  source?: string;
  medium?: string;
  currency?: string;
}

export interface SpendCsvRow {
  index: number;
  line: number;
  raw?: Record<string, unknown>;
  error?: string;
}

function toRaw(record: MappedRecord<SpendField>, defaults: SpendDefaults): SpendCsvRow {
  const { index, line, cells } = record;
  if (record.error) return { index, line, error: record.error };
  const raw: Record<string, unknown> = {};
  for (const field of ['source', 'medium', 'campaign', 'currency'] as const) {
    const value = cells[field] ?? (field === 'campaign' ? undefined : defaults[field]);
    if (value !== undefined) raw[field] = value;
  }
  if (cells.date === undefined) return { index, line, error: 'date is empty' };
  const day = parseDay(cells.date);
  if (!day.ok) return { index, line, error: `date ${day.error}` };
  raw.date = day.value;
  if (cells.amount === undefined) return { index, line, error: 'amount is empty (write 0 for a day without spend)' };
  const amount = parseDecimal(cells.amount);
  if (!amount.ok) return { index, line, error: `amount ${amount.error}` };
  raw.amount = amount.value;
  return { index, line, raw };
}

/**
 * Reads an ad-spend export: one row per day and campaign. Needs date and amount columns, and source and
 * currency columns unless `defaults` gives them (`?source=google&currency=EUR` for a Google Ads export).
 */
export function spendFromCsv(text: string, defaults: SpendDefaults, maxRows: number) {
  const table = readCsvTable(text, SPEND_COLUMNS, maxRows);
  if (table.tooMany !== undefined) return { rows: [] as SpendCsvRow[], ignoredColumns: [] as string[], tooMany: table.tooMany };
  const has = (f: SpendField) => table.columns.index[f] !== undefined;
  const missing: string[] = [];
  if (!has('date')) missing.push(`a date column (${describeColumn(spec('date'))})`);
  if (!has('amount')) missing.push(`an amount column (${describeColumn(spec('amount'))})`);
  if (!has('source') && !defaults.source) missing.push(`a source column (${describeColumn(spec('source'))}), or ?source=google (for example) in the URL for every row`);
  if (!has('currency') && !defaults.currency) missing.push(`a currency column (${describeColumn(spec('currency'))}), or ?currency=EUR (for example) in the URL`);
  if (missing.length > 0) throw new CsvColumnsError(`the header row needs ${missing.join('; and ')}`);
  // Spend has no properties: a `properties.*` column is ignored like any other unknown one.
  const ignoredColumns = [...table.columns.ignored, ...table.columns.properties.map((p) => `properties.${p.name}`)];
  return { rows: table.rows.map((r) => toRaw(r, defaults)), ignoredColumns };
}
