import type { Journey, Touch } from './journey.js';

/**
 * Reads a paths file, ChannelAttribution's aggregated format:
 *
 * ```
 * path;total_conversions;total_conversion_value;total_null
 * google > email > direct;3;120.5;17
 * ```
 *
 * The separator (tab, `;` or `,`, in that order of preference) is the one the header uses. Columns are
 * found by name in any order; `path` and `total_conversions` are required, `total_conversion_value` and
 * `total_null` default to 0. Fields may be double-quoted (CSV style). Blank lines are skipped. Every
 * problem is reported with its line number; up to {@link MAX_REPORTED_ERRORS} are listed in the error.
 */
export function parsePathsFile(text: string): Journey[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new PathsFileError([{ line: 1, message: 'the file is empty; expected a header such as path;total_conversions;total_conversion_value;total_null' }]);
  const headerLine = lines[headerIndex]!;
  const separator = ['\t', ';', ','].find((s) => headerLine.includes(s));
  const issues: PathsFileIssue[] = [];
  const header = separator ? splitFields(headerLine, separator) : [headerLine];
  const columns = header.map((h) => h.trim().toLowerCase());
  const col = (name: string) => columns.indexOf(name);
  const pathCol = col('path');
  const convCol = col('total_conversions');
  const valueCol = col('total_conversion_value');
  const nullCol = col('total_null');
  if (!separator || pathCol < 0 || convCol < 0) {
    throw new PathsFileError([
      { line: headerIndex + 1, message: `the header must name at least path and total_conversions (separated by ';', ',' or a tab), got ${JSON.stringify(headerLine.trim())}` },
    ]);
  }

  const journeys: Journey[] = [];
  // Paths repeat the same few channel names: share one touch object per name.
  const touchByName = new Map<string, Touch>();
  const number = (fields: string[], column: number, name: string, line: number): number | undefined => {
    if (column < 0) return 0;
    const raw = (fields[column] ?? '').trim();
    const value = raw === '' ? NaN : Number(raw);
    if (Number.isFinite(value) && value >= 0) return value;
    issues.push({ line, message: `${name} must be a non-negative number, got ${JSON.stringify(raw)}` });
    return undefined;
  };
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '') continue;
    const line = i + 1;
    const fields = splitFields(text, separator);
    if (fields.length !== header.length) {
      issues.push({ line, message: `expected ${header.length} fields separated by ${JSON.stringify(separator)}, found ${fields.length}` });
      continue;
    }
    const names = (fields[pathCol] ?? '').split('>').map((n) => n.trim());
    if (names.some((n) => n === '')) {
      issues.push({ line, message: `path ${JSON.stringify(fields[pathCol])} has an empty channel name; write channels as "a > b > c"` });
      continue;
    }
    const conversions = number(fields, convCol, 'total_conversions', line);
    const value = number(fields, valueCol, 'total_conversion_value', line);
    const nulls = number(fields, nullCol, 'total_null', line);
    if (conversions === undefined || value === undefined || nulls === undefined) continue;
    const touches = names.map((channel) => {
      let touch = touchByName.get(channel);
      if (!touch) touchByName.set(channel, (touch = { channel }));
      return touch;
    });
    journeys.push({ touches, conversions, value, nulls });
  }
  if (issues.length > 0) throw new PathsFileError(issues);
  return journeys;
}

export interface PathsFileIssue {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

export const MAX_REPORTED_ERRORS = 20;

/** A malformed paths file; `issues` holds every problem found, the message the first few. */
export class PathsFileError extends Error {
  readonly issues: readonly PathsFileIssue[];
  constructor(issues: PathsFileIssue[]) {
    const shown = issues.slice(0, MAX_REPORTED_ERRORS).map((i) => `line ${i.line}: ${i.message}`);
    if (issues.length > MAX_REPORTED_ERRORS) shown.push(`… and ${issues.length - MAX_REPORTED_ERRORS} more`);
    super(`malformed paths file:\n${shown.join('\n')}`);
    this.name = 'PathsFileError';
    this.issues = issues;
  }
}

/** Splits one line on `separator`, honouring CSV double quotes (`"a;b"`, `""` for a quote). */
function splitFields(line: string, separator: string): string[] {
  if (!line.includes('"')) return line.split(separator);
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === separator) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}
