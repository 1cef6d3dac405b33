/** One data record of a CSV file, located by the line it starts on (1-based; the header is line 1). */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when this record is damaged but the rest of the file could still be read. */
  error?: string;
}

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
  delimiter: ',' | ';' | '\t';
}

/** The file cannot be read as a table at all (no header, a quote left open). */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Spreadsheets in locales with a decimal comma export with `;`, and TSV uses tabs: the delimiter is the
 * one of `,` `;` tab found most often in the header line outside quotes (`,` on a tie, as RFC 4180 says).
 */
function detectDelimiter(text: string): CsvTable['delimiter'] {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch as keyof typeof counts]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[',']) return '\t';
  return ',';
}

const isBlank = (fields: string[]) => fields.every((f) => f.trim() === '');

/**
 * Reads CSV as RFC 4180 describes it — fields optionally quoted with `"`, a quote inside a quoted field
 * doubled, quoted fields may hold delimiters and line breaks — and as spreadsheets actually write it:
 * a UTF-8 byte order mark (Excel) is dropped, records may end in CRLF, LF or CR, blank lines and rows of
 * empty cells (the tail of many Excel exports) are skipped, and `;` or tab delimiters are detected.
 * A character after a closing quote damages only its own record; a quote never closed fails the file.
 */
export function parseCsv(input: string): CsvTable {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const delimiter = detectDelimiter(text);
  const rows: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let recordError: string | undefined;
  let i = 0;

  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (!isBlank(fields) || recordError) rows.push(recordError ? { line: recordLine, fields, error: recordError } : { line: recordLine, fields });
    fields = [];
    recordError = undefined;
  };

  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' && field === '') {
      // A quoted field: read to the closing quote, keeping doubled quotes as one.
      const openedOn = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvSyntaxError(openedOn, 'a quoted field is never closed (a " is missing)');
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
        i++;
      }
      // Only a delimiter or the end of the record may follow a closing quote.
      if (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
        recordError ??= `unexpected text after a closing quote in field ${fields.length + 1}: quote the whole field and double the quotes inside it`;
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      }
      continue;
    }
    if (ch === delimiter) {
      endField();
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();

  const first = rows.shift();
  if (!first) throw new CsvSyntaxError(1, 'the file is empty: the first line must name the columns');
  if (first.error) throw new CsvSyntaxError(first.line, `the header row is damaged: ${first.error}`);
  return { header: first.fields.map((h) => h.trim()), records: rows, delimiter };
}
