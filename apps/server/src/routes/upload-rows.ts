import { apiError } from '../errors.js';
import { CsvColumnsError } from '../csv/columns.js';
import { CsvSyntaxError } from '../csv/parse.js';

/** One row of a conversions or spend upload, located for its rejection: JSON `index`, CSV `index` and `line`. */
export interface UploadRow {
  index: number;
  line?: number;
  conversionId?: string;
  raw?: unknown;
  /** Already known to be unusable (a damaged CSV row, a cell that is not a number). */
  error?: string;
}

interface CsvRows {
  rows: UploadRow[];
  ignoredColumns: string[];
  tooMany?: number;
}

/** Runs a CSV reader, turning a file that cannot be used as a whole into the API's errors. */
export function readUpload(read: () => CsvRows): { rows: UploadRow[]; ignoredColumns: string[] } {
  let table: CsvRows;
  try {
    table = read();
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw apiError('LAZO_ERR_CSV_MALFORMED', `At ${e.message}.`);
    if (e instanceof CsvColumnsError) throw apiError('LAZO_ERR_CSV_COLUMNS', `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}.`);
    throw e;
  }
  if (table.tooMany !== undefined) throw apiError('LAZO_ERR_TOO_MANY_ROWS', `This file has ${table.tooMany} data rows.`);
  return { rows: table.rows, ignoredColumns: table.ignoredColumns };
}
