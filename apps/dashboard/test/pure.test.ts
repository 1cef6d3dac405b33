import { describe, expect, it } from 'vitest';
import { normalizePersonPage } from '../src/api.js';
import { niceTicks, labelIndexes, shortNumber } from '../src/charts/scale.js';
import { parseCsv, detectSeparator } from '../src/csv.js';
import { normalizeRange, presetRange, previousRange, rangeDays } from '../src/dates.js';
import { formatChange, formatCount, formatMoney, formatMultiple, formatNps, formatPercent, relativeChange } from '../src/format.js';
import { matchRoute, leadPath } from '../src/router.js';
import { checkKeyShape, createKeyStore } from '../src/session.js';
import { sortRows } from '../src/ui/table.js';
import { summarize } from '../src/ui/upload.js';

describe('date ranges', () => {
  const now = Date.parse('2026-03-15T10:00:00Z');
  it.each([
    ['7d', '2026-03-09', '2026-03-15'],
    ['30d', '2026-02-14', '2026-03-15'],
    ['90d', '2025-12-16', '2026-03-15'],
    ['month', '2026-03-01', '2026-03-15'],
    ['last-month', '2026-02-01', '2026-02-28'],
  ] as const)('preset %s is %s … %s', (id, from, to) => {
    expect(presetRange(id, now)).toEqual({ from, to });
  });

  it.each([
    [{ from: '2026-03-09', to: '2026-03-15' }, { from: '2026-03-02', to: '2026-03-08' }],
    [{ from: '2026-03-01', to: '2026-03-01' }, { from: '2026-02-28', to: '2026-02-28' }],
    [{ from: '2024-03-01', to: '2024-03-31' }, { from: '2024-01-30', to: '2024-02-29' }],
  ])('the previous period of %j is %j', (range, prev) => {
    expect(previousRange(range)).toEqual(prev);
    expect(rangeDays(prev)).toBe(rangeDays(range));
  });

  it('puts swapped ends in order and refuses invalid days', () => {
    expect(normalizeRange('2026-03-10', '2026-03-01')).toEqual({ from: '2026-03-01', to: '2026-03-10' });
    expect(normalizeRange('2026-02-30', '2026-03-01')).toBeUndefined();
    expect(normalizeRange('yesterday', '2026-03-01')).toBeUndefined();
    expect(normalizeRange(null, undefined)).toBeUndefined();
  });
});

describe('formatting', () => {
  it.each([
    [12, '12'],
    [12.5, '12.5'],
    [1234.56, '1,235'],
    [null, '—'],
    [Number.NaN, '—'],
  ])('count %s → %s', (v, out) => expect(formatCount(v, 'en-GB')).toBe(out));

  it('formats money, percentages, multiples and NPS', () => {
    expect(formatMoney(72, 'EUR', 'en-GB')).toBe('€72.00');
    expect(formatMoney(4200, 'EUR', 'en-GB')).toBe('€4,200');
    expect(formatMoney(5, 'euros', 'en-GB')).toBe('5 euros');
    expect(formatMoney(null, 'EUR')).toBe('—');
    expect(formatPercent(0.26, 'en-GB')).toBe('26%');
    expect(formatPercent(0.031, 'en-GB')).toBe('3.1%');
    expect(formatMultiple(4.666, 'en-GB')).toBe('4.67×');
    expect(formatNps(40)).toBe('+40');
    expect(formatNps(-12.4)).toBe('-12');
    expect(formatNps(null)).toBe('—');
  });

  it.each([
    [120, 100, 0.2],
    [80, 100, -0.2],
    [5, 0, undefined],
    [null, 3, undefined],
  ])('change from %s to %s', (now, before, change) => {
    expect(relativeChange(now, before)).toBe(change);
  });

  it('words a change', () => {
    expect(formatChange(0.2, 'en-GB')).toBe('+20%');
    expect(formatChange(-0.125, 'en-GB')).toBe('−12.5%');
    expect(formatChange(undefined)).toBe('no previous data');
  });
});

describe('CSV preview', () => {
  it('reads quotes, doubled quotes, line breaks in quotes, CRLF and a BOM, with the line each row starts on', () => {
    const text = '\uFEFFemail,value,note\r\n"a@x.com",12.5,"hello, ""world"""\r\nb@x.com,3,"two\nlines"\r\n\r\nc@x.com,4,\n';
    const parsed = parseCsv(text);
    expect(parsed.header).toEqual(['email', 'value', 'note']);
    expect(parsed.rows).toEqual([
      { line: 2, cells: ['a@x.com', '12.5', 'hello, "world"'] },
      { line: 3, cells: ['b@x.com', '3', 'two\nlines'] },
      { line: 6, cells: ['c@x.com', '4', ''] },
    ]);
  });

  it.each([
    ['a,b,c', ','],
    ['a;b;c', ';'],
    ['a\tb\tc', '\t'],
    ['"x;y",b,c', ','],
  ])('detects the separator of %j', (line, sep) => expect(detectSeparator(line)).toBe(sep));

  it('reads semicolon files with decimal commas', () => {
    expect(parseCsv('date;amount\n2026-01-01;12,50\n').rows[0]!.cells).toEqual(['2026-01-01', '12,50']);
  });

  it('handles a file with only a header, and an empty one', () => {
    expect(parseCsv('a,b\n')).toMatchObject({ header: ['a', 'b'], rows: [] });
    expect(parseCsv('')).toMatchObject({ header: [], rows: [] });
  });
});

describe('chart scales', () => {
  it.each([
    [10, 4, [0, 2.5, 5, 7.5, 10]],
    [95, 4, [0, 25, 50, 75, 100]],
    [3, 3, [0, 1, 2, 3]],
    [0, 4, [0, 1]],
    [1234, 3, [0, 500, 1000, 1500]],
  ])('ticks for max %s', (max, count, ticks) => expect(niceTicks(max, count)).toEqual(ticks));

  it('labels about as many days as asked, first and last included', () => {
    expect(labelIndexes(3, 6)).toEqual([0, 1, 2]);
    const idx = labelIndexes(30, 7);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(29);
    expect(idx.length).toBeLessThanOrEqual(7);
  });

  it('shortens axis numbers', () => {
    expect(shortNumber(1500)).toBe('1.5k');
    expect(shortNumber(2_000_000)).toBe('2M');
    expect(shortNumber(2.5)).toBe('2.5');
  });
});

describe('table sorting', () => {
  const rows = [
    { n: 'b', v: 2 },
    { n: 'a', v: null },
    { n: 'Campaign 10', v: 10 },
    { n: 'Campaign 9', v: 2 },
  ];
  it('sorts numbers, keeps ties stable and puts blanks last either way', () => {
    expect(sortRows(rows, (r) => r.v, 'desc').map((r) => r.n)).toEqual(['Campaign 10', 'b', 'Campaign 9', 'a']);
    expect(sortRows(rows, (r) => r.v, 'asc').map((r) => r.n)).toEqual(['b', 'Campaign 9', 'Campaign 10', 'a']);
  });
  it('sorts text numerically aware', () => {
    expect(sortRows(rows, (r) => r.n, 'asc').map((r) => r.n)).toEqual(['a', 'b', 'Campaign 9', 'Campaign 10']);
  });
});

describe('routes', () => {
  it.each([
    ['/dashboard', { page: 'overview', params: {} }],
    ['/dashboard/', { page: 'overview', params: {} }],
    ['/dashboard/channels', { page: 'channels', params: {} }],
    ['/dashboard/leads', { page: 'leads', params: {} }],
    ['/dashboard/leads/p%2F1', { page: 'lead', params: { id: 'p/1' } }],
    ['/dashboard/data/', { page: 'data', params: {} }],
    ['/dashboard/nope', undefined],
    ['/dashboard/leads/a/b', undefined],
    ['/other', undefined],
    ['/dashboardx', undefined],
  ])('%s', (path, route) => expect(matchRoute(path)).toEqual(route));

  it('round-trips lead ids through their path', () => {
    expect(matchRoute(leadPath('p_1/ä?#'))).toEqual({ page: 'lead', params: { id: 'p_1/ä?#' } });
  });
});

describe('the key store and the sign-in check', () => {
  it('keeps the key in the storage it is given, and in memory when that storage throws', () => {
    const map = new Map<string, string>();
    const store = createKeyStore({ getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) });
    store.set('sk_x');
    expect([...map.values()]).toEqual(['sk_x']);
    store.clear();
    expect(map.size).toBe(0);
    const broken = createKeyStore({
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {},
    });
    broken.set('sk_y');
    expect(broken.get()).toBe('sk_y');
  });

  it.each([
    ['', /Enter/],
    ['pk_abcdefghijklmnopqrstuvwx', /public key/],
    ['sk_short', /32/],
    ['sk_' + 'a'.repeat(32), undefined],
  ])('%j', (key, message) => {
    const out = checkKeyShape(key);
    if (message) expect(out).toMatch(message);
    else expect(out).toBeUndefined();
  });
});

describe('API answers read defensively', () => {
  it('finds the persons list under any of its likely names', () => {
    expect(normalizePersonPage({ persons: [{ personId: 'a' }], nextCursor: 'c' })).toEqual({ persons: [{ personId: 'a' }], nextCursor: 'c' });
    expect(normalizePersonPage({ items: [{ id: 'a' }] })).toEqual({ persons: [{ id: 'a' }], nextCursor: null });
    expect(normalizePersonPage([{ id: 'b' }])).toEqual({ persons: [{ id: 'b' }] });
    expect(normalizePersonPage(undefined)).toEqual({ persons: [], nextCursor: null });
  });

  it('summarizes an upload answer from whatever counts it has, in the words given', () => {
    const answer = { accepted: 3, duplicates: 2, updated: 0, rejected: [{ index: 2, line: 4, error: 'x' }], dryRun: true, ignoredColumns: ['notes'] };
    expect(summarize(answer, { accepted: 'new', duplicates: 'already there' })).toEqual([
      ['new', 3],
      ['already there', 2],
      ['updated', 0],
    ]);
    expect(summarize({ rowsTaken: 1 })).toEqual([['rows taken', 1]]);
  });
});
