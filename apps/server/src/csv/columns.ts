import { parseCsv, type CsvRecord } from './parse.js';

/** A column a CSV upload understands: the field it fills and the header names it goes by. */
export interface ColumnSpec<F extends string> {
  field: F;
  /** Header names, compared after {@link headerKey} (so `Close Date`, `close_date`, `closeDate` are one). */
  names: readonly string[];
}

/** The header names a column matched, and what was left over. */
export interface ColumnMap<F extends string> {
  /** Field → index of its column. */
  index: Partial<Record<F, number>>;
  /** Header cells that match no column and are not `properties.*`, as written. */
  ignored: string[];
  /** `properties.<name>` columns: the property name → its column. */
  properties: Array<{ name: string; index: number }>;
}

/** The file's columns do not fit the endpoint (a required column missing, one column given twice). */
export class CsvColumnsError extends Error {}

/** How header cells are compared: case, spaces, `_`, `-` and `.` do not matter. */
export const headerKey = (name: string) => name.toLowerCase().replace(/[\s_\-.]+/g, '');

/** Matches a header row to the endpoint's columns. Two header cells naming one field is refused. */
export function mapColumns<F extends string>(header: string[], specs: readonly ColumnSpec<F>[]): ColumnMap<F> {
  const byKey = new Map<string, F>();
  for (const spec of specs) for (const name of spec.names) byKey.set(headerKey(name), spec.field);
  const index: Partial<Record<F, number>> = {};
  const ignored: string[] = [];
  const properties: ColumnMap<F>['properties'] = [];
  header.forEach((cell, i) => {
    const property = /^properties\.(.+)$/i.exec(cell.trim());
    if (property) {
      properties.push({ name: property[1]!.trim(), index: i });
      return;
    }
    const field = byKey.get(headerKey(cell));
    if (field === undefined) {
      if (cell !== '') ignored.push(cell);
      return;
    }
    const earlier = index[field];
    if (earlier !== undefined) {
      throw new CsvColumnsError(`columns "${header[earlier]}" and "${cell}" both give ${field}: keep one of them`);
    }
    index[field] = i;
  });
  return { index, ignored, properties };
}

/** Lists the header names a column accepts, for error messages. */
export const describeColumn = (spec: ColumnSpec<string>) => spec.names.map((n) => `"${n}"`).join(', ');

/** One data row read through the column map: the fields it gives (trimmed, empty cells left out). */
export interface MappedRecord<F extends string> {
  /** 0-based position among the data rows. */
  index: number;
  /** The CSV line the row starts on (the header is line 1). */
  line: number;
  cells: Partial<Record<F, string>>;
  properties: Record<string, string>;
  error?: string;
}

export interface MappedTable<F extends string> {
  columns: ColumnMap<F>;
  rows: MappedRecord<F>[];
}

function readRecord<F extends string>(record: CsvRecord, position: number, columns: ColumnMap<F>, width: number): MappedRecord<F> {
  const base = { index: position, line: record.line, cells: {}, properties: {} };
  if (record.error) return { ...base, error: record.error };
  if (record.fields.length > width) {
    const extra = record.fields.slice(width);
    // Trailing empty cells (a stray delimiter at the end of a line) are harmless.
    if (extra.some((f) => f.trim() !== '')) {
      return { ...base, error: `the row has ${record.fields.length} fields but the header has ${width}: quote fields that contain the delimiter` };
    }
  }
  const cells: Partial<Record<F, string>> = {};
  for (const [field, i] of Object.entries(columns.index) as [F, number][]) {
    const value = record.fields[i]?.trim();
    if (value) cells[field] = value;
  }
  const properties: Record<string, string> = {};
  for (const p of columns.properties) {
    const value = record.fields[p.index]?.trim();
    if (value) properties[p.name] = value;
  }
  return { ...base, cells, properties };
}

/**
 * Parses a CSV upload and reads each data row through the header: the shared front half of the
 * conversions and spend uploads. Throws {@link CsvSyntaxError} or {@link CsvColumnsError} when the file as
 * a whole cannot be used; damaged rows come back with `error` set and the rest are still read.
 */
export function readCsvTable<F extends string>(text: string, specs: readonly ColumnSpec<F>[], maxRows: number): MappedTable<F> & { tooMany?: number } {
  const table = parseCsv(text);
  if (table.records.length > maxRows) return { columns: { index: {}, ignored: [], properties: [] }, rows: [], tooMany: table.records.length };
  const columns = mapColumns(table.header, specs);
  return { columns, rows: table.records.map((r, i) => readRecord(r, i, columns, table.header.length)) };
}
