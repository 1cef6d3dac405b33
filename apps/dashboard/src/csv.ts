/**
 * Enough CSV (RFC 4180) to preview a spreadsheet export before it is sent: quoted fields with commas,
 * doubled quotes and line breaks, CRLF or LF, a byte-order mark, and `;` as the separator where a
 * spreadsheet in a comma-decimal locale wrote one. The server parses the file again; this is only what
 * the user sees first, so it never rejects anything.
 */

export interface ParsedCsv {
  header: string[];
  /** Data rows, each with the 1-based line of the file it starts on (what the server's errors cite). */
  rows: Array<{ line: number; cells: string[] }>;
  separator: ',' | ';' | '\t';
}

/** The separator of the first line: the most frequent of `,` `;` tab outside quotes. */
export function detectSeparator(firstLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch as keyof typeof counts]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}

export function parseCsv(text: string, maxRows = Infinity): ParsedCsv {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const separator = detectSeparator(src.slice(0, src.search(/\r?\n|$/)));
  const records: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let fieldStarted = false;

  const endRecord = () => {
    cells.push(field);
    // A blank line is no record (spreadsheets leave them at the end).
    if (cells.length > 1 || cells[0] !== '') records.push({ line: startLine, cells });
    cells = [];
    field = '';
    fieldStarted = false;
  };

  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === separator) {
      cells.push(field);
      field = '';
      fieldStarted = false;
    } else if (ch === '\r' && src[i + 1] === '\n') {
      continue;
    } else if (ch === '\n') {
      endRecord();
      line++;
      startLine = line;
      if (records.length > maxRows) break;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (field !== '' || cells.length > 0) endRecord();
  const [head, ...rows] = records;
  return { header: (head?.cells ?? []).map((c) => c.trim()), rows: rows.slice(0, maxRows), separator };
}

