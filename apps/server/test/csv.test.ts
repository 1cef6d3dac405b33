import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from '../src/csv/parse.js';
import { CsvColumnsError, headerKey, mapColumns } from '../src/csv/columns.js';
import { parseDay, parseDecimal, parseInstant } from '../src/csv/values.js';
import { conversionsFromCsv, derivedConversionId } from '../src/csv/conversions.js';
import { spendFromCsv } from '../src/csv/spend.js';
import { csvBody, jsonRows, queryFlag } from '../src/csv/upload.js';

describe('parseCsv', () => {
  const cases: Array<[string, string, string[], Array<{ line: number; fields: string[]; error?: unknown }>]> = [
    ['plain, LF', 'a,b\n1,2\n3,4\n', ['a', 'b'], [{ line: 2, fields: ['1', '2'] }, { line: 3, fields: ['3', '4'] }]],
    ['CRLF and no final newline', 'a,b\r\n1,2\r\n3,4', ['a', 'b'], [{ line: 2, fields: ['1', '2'] }, { line: 3, fields: ['3', '4'] }]],
    ['old Mac CR', 'a,b\r1,2\r', ['a', 'b'], [{ line: 2, fields: ['1', '2'] }]],
    ['quoted delimiter and doubled quote', 'a,b\n"x, y","say ""hi"""\n', ['a', 'b'], [{ line: 2, fields: ['x, y', 'say "hi"'] }]],
    ['line break inside quotes moves the next record\'s line', 'a,b\n"one\ntwo",2\n3,4\n', ['a', 'b'], [{ line: 2, fields: ['one\ntwo', '2'] }, { line: 4, fields: ['3', '4'] }]],
    ['empty quoted and empty fields', 'a,b,c\n"",,x\n', ['a', 'b', 'c'], [{ line: 2, fields: ['', '', 'x'] }]],
    ['Excel BOM, trailing blank rows and rows of empty cells', '\ufeffa,b\n1,2\n\n,,\n;\n', ['a', 'b'], [{ line: 2, fields: ['1', '2'] }, { line: 5, fields: [';'] }]],
    ['semicolon delimiter (decimal-comma locales)', 'a;b\n"1,5";2\n', ['a', 'b'], [{ line: 2, fields: ['1,5', '2'] }]],
    ['tab delimiter', 'a\tb\n1\t2\n', ['a', 'b'], [{ line: 2, fields: ['1', '2'] }]],
    ['header cells are trimmed', ' a , b \n1,2', ['a', 'b'], [{ line: 2, fields: ['1', '2'] }]],
    ['a quote inside an unquoted field is text', 'a\n5" screen\n', ['a'], [{ line: 2, fields: ['5" screen'] }]],
    ['text after a closing quote damages only its record', 'a,b\n"x"y,2\n3,4\n', ['a', 'b'], [
      { line: 2, fields: ['xy', '2'], error: expect.stringContaining('after a closing quote') },
      { line: 3, fields: ['3', '4'] },
    ]],
  ];
  it.each(cases)('%s', (_name, text, header, records) => {
    const table = parseCsv(text);
    expect(table.header).toEqual(header);
    expect(table.records).toEqual(records);
  });

  it.each([
    ['an empty file', '', 1],
    ['only blank lines', '\n\n', 1],
    ['a quote never closed', 'a,b\n1,2\n"open,3\n4,5\n', 3],
    ['a damaged header', '"a"x,b\n1,2', 1],
  ])('refuses %s, naming the line', (_name, text, line) => {
    try {
      parseCsv(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CsvSyntaxError);
      expect((e as CsvSyntaxError).line).toBe(line);
    }
  });
});

describe('header mapping', () => {
  const specs = [
    { field: 'id', names: ['conversionId', 'deal id'] },
    { field: 'at', names: ['close date'] },
  ] as const;
  it.each([
    ['conversion_id', 'conversionid'],
    ['Deal ID', 'dealid'],
    ['Close-Date', 'closedate'],
    ['closeDate', 'closedate'],
  ])('%s compares as %s', (name, key) => expect(headerKey(name)).toBe(key));

  it('maps known columns in any spelling, lists the rest, and reads properties.* columns', () => {
    const map = mapColumns(['Deal ID', 'Owner', 'CLOSE_DATE', 'properties.plan', ''], specs);
    expect(map.index).toEqual({ id: 0, at: 2 });
    expect(map.ignored).toEqual(['Owner']);
    expect(map.properties).toEqual([{ name: 'plan', index: 3 }]);
  });

  it('refuses two columns giving one field', () => {
    expect(() => mapColumns(['conversionId', 'Deal Id'], specs)).toThrow(CsvColumnsError);
  });
});

describe('cell values', () => {
  it.each([
    ['1234.5', 1234.5],
    ['1,234.50', 1234.5],
    ['1.234,50', 1234.5],
    ['1234,5', 1234.5],
    ['1 234,50', 1234.5],
    ['1,234', 1234],
    ['12,345,678', 12345678],
    ['€ 99', 99],
    ['$1,200', 1200],
    ['99.00 EUR', 99],
    ['EUR 99', 99],
    ['0', 0],
    ['-5', -5],
  ])('decimal %s → %s', (text, value) => expect(parseDecimal(text)).toEqual({ ok: true, value }));

  it.each(['abc', '1.2.3,4,5', '12,34,56', '', '1e5', '--1'])('decimal %s is refused with an example', (text) => {
    const r = parseDecimal(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('1234.50');
  });

  it.each([
    ['2026-03-01', '2026-03-01'],
    ['2026-3-1', '2026-03-01'],
    ['01/03/2026', '2026-03-01'],
    ['1.3.2026', '2026-03-01'],
    ['31-12-2025', '2025-12-31'],
    ['29/02/2024', '2024-02-29'],
  ])('day %s → %s', (text, day) => expect(parseDay(text)).toEqual({ ok: true, value: day }));

  it.each([
    ['03/25/2026', 'month-first'],
    ['2026-02-30', 'not a calendar date'],
    ['29/02/2025', 'not a calendar date'],
    ['2026-13-01', 'no month 13'],
    ['March 1, 2026', 'YYYY-MM-DD'],
    ['2026/03/01', 'YYYY-MM-DD'],
  ])('day %s is refused (%s)', (text, reason) => {
    const r = parseDay(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(reason);
  });

  it.each([
    ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00.123456Z', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01T12:00:00+02:00', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T12:00+0200', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01 10:00', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['01/03/2026', '2026-03-01T00:00:00.000Z'],
  ])('instant %s → %s (no offset means UTC)', (text, iso) => expect(parseInstant(text)).toEqual({ ok: true, value: iso }));

  it.each(['2026-03-01T25:00:00Z', '2026-02-30T10:00:00Z', 'yesterday', '2026-03-01T10'])('instant %s is refused', (text) => {
    expect(parseInstant(text).ok).toBe(false);
  });
});

describe('conversions from CSV', () => {
  it('reads a CRM export: spellings, dates, amounts, defaults, properties, ignored columns', () => {
    const csv = [
      'Deal ID,E-Mail,Amount,Close Date,Owner,properties.plan,Currency',
      'D-1,Ann@Example.com,"1,200.50",15/01/2026,Bob,pro,eur',
      'D-2,bob@example.com,abc,2026-01-16,Bob,,',
      'D-3,cy@example.com,10,32/01/2026,Bob,,',
    ].join('\n');
    const read = conversionsFromCsv(csv, { type: 'customer', currency: 'USD' }, 100);
    expect(read.ignoredColumns).toEqual(['Owner']);
    expect(read.rows).toEqual([
      expect.objectContaining({ index: 0, line: 2, raw: { conversionId: 'D-1', email: 'Ann@Example.com', type: 'customer', currency: 'eur', value: 1200.5, occurredAt: '2026-01-15T00:00:00.000Z', properties: { plan: 'pro' } } }),
      { index: 1, line: 3, conversionId: 'D-2', error: expect.stringMatching(/^value "abc" is not a number/) },
      { index: 2, line: 4, conversionId: 'D-3', error: expect.stringMatching(/^occurredAt "32\/01\/2026"/) },
    ]);
  });

  it('derives a stable id when the file has none, so a re-upload is recognised', () => {
    const csv = 'email,date,value,type\nann@example.com,2026-01-15,100,customer\nANN@example.com,2026-01-15,100,customer\nann@example.com,2026-01-16,100,customer\n';
    const [a, b, c] = conversionsFromCsv(csv, {}, 100).rows.map((r) => r.raw?.conversionId);
    expect(a).toMatch(/^csv_[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(derivedConversionId({ type: 'customer', email: 'x@y.z', occurredAt: '2026-01-01T00:00:00.000Z' })).toBe(
      derivedConversionId({ type: 'customer', email: 'X@Y.Z', occurredAt: '2026-01-01T00:00:00.000Z', value: 0 }),
    );
  });

  it('refuses a row without id or date, but not the file', () => {
    const rows = conversionsFromCsv('email,date,type\nann@example.com,,customer\nbob@example.com,2026-01-02,customer', {}, 10).rows;
    expect(rows[0]).toEqual({ index: 0, line: 2, error: expect.stringContaining('occurredAt is empty') });
    expect(rows[1]?.raw).toBeDefined();
  });

  it.each([
    ['no identity column', 'id,type,date\n1,customer,2026-01-01', /whose conversion/],
    ['no type column and no default', 'id,email\n1,a@b.c', /type column/],
    ['neither id nor date column', 'email,type\na@b.c,customer', /id column .* or a date column/],
    ['a field twice', 'id,deal id,email,type\n1,2,a@b.c,x', /both give conversionId/],
  ])('refuses a header with %s', (_name, csv, message) => {
    expect(() => conversionsFromCsv(csv, {}, 10)).toThrow(message);
  });

  it('flags a file over the row limit without reading it', () => {
    expect(conversionsFromCsv('id,email,type\n1,a@b.c,x\n2,a@b.c,x\n3,a@b.c,x', {}, 2)).toMatchObject({ tooMany: 3 });
  });

  it('reports a row with more fields than the header', () => {
    const rows = conversionsFromCsv('id,email,type\n1,a@b.c,x,extra\n2,a@b.c,x,\n', {}, 10).rows;
    expect(rows[0]?.error).toContain('4 fields but the header has 3');
    expect(rows[1]?.raw).toEqual({ conversionId: '2', email: 'a@b.c', type: 'x' });
  });
});

describe('spend from CSV', () => {
  it('reads a Google Ads style export with source and currency from the URL', () => {
    const read = spendFromCsv('Day,Campaign,Cost,Clicks\n2026-01-01,Spring,"1,000.00",10\n2026-01-02,Spring,,3\n', { source: 'google', medium: 'cpc', currency: 'EUR' }, 10);
    expect(read.ignoredColumns).toEqual(['Clicks']);
    expect(read.rows).toEqual([
      { index: 0, line: 2, raw: { date: '2026-01-01', source: 'google', medium: 'cpc', campaign: 'Spring', currency: 'EUR', amount: 1000 } },
      { index: 1, line: 3, error: expect.stringContaining('amount is empty') },
    ]);
  });

  it.each([
    ['no date', 'source,amount,currency\ng,1,EUR', /a date column/],
    ['no amount', 'date,source,currency\n2026-01-01,g,EUR', /an amount column/],
    ['no source and no default', 'date,amount,currency\n2026-01-01,1,EUR', /\?source=google/],
    ['no currency and no default', 'date,source,spend\n2026-01-01,g,1', /\?currency=EUR/],
  ])('refuses a header with %s', (_name, csv, message) => {
    expect(() => spendFromCsv(csv, {}, 10)).toThrow(message);
  });
});

describe('upload bodies', () => {
  it.each([
    ['text/csv', 'a,b', 'a,b'],
    ['text/csv; charset=utf-8', 'a,b', 'a,b'],
    ['application/csv', 'a,b', 'a,b'],
    ['text/plain', 'a,b', 'a,b'],
    ['application/json', 'a,b', undefined],
    ['text/csv', { a: 1 }, undefined],
  ])('%s with %j is CSV: %s', (type, body, csv) => expect(csvBody(type, body)).toBe(csv));

  it.each([
    [[{ a: 1 }], true, { ok: true, rows: [{ a: 1 }], single: false }],
    [{ items: [{ a: 1 }] }, true, { ok: true, rows: [{ a: 1 }], single: false }],
    [{ a: 1 }, true, { ok: true, rows: [{ a: 1 }], single: true }],
    [{ a: 1 }, false, { ok: false, error: expect.stringContaining('{"items": [...]}') }],
    [{ items: 3 }, true, { ok: false, error: '"items" must be an array.' }],
    [42, true, { ok: false, error: expect.stringContaining('Send one object') }],
  ])('rows of %j (single allowed: %s)', (body, single, result) => expect(jsonRows(body, 'items', single)).toEqual(result));

  it.each([
    [{}, false],
    [{ f: 'true' }, true],
    [{ f: '1' }, true],
    [{ f: '' }, true],
    [{ f: 'false' }, false],
    [{ f: 'yes' }, 'f must be true or false'],
  ])('flag %j → %s', (query, value) => expect(queryFlag(query, 'f')).toBe(value));
});
