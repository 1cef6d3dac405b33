import { h, type Child } from '../dom.js';

export interface Column<R> {
  key: string;
  label: string;
  /** Right-aligned, tabular figures, and sorted descending first. */
  numeric?: boolean;
  /** The value sorted on; default `row[key]`. */
  value?: (row: R) => unknown;
  /** What the cell shows; default the value as text. */
  render?: (row: R) => Child;
  /** Shown as the header's tooltip: what the column means. */
  help?: string;
}

export interface TableOptions<R> {
  caption: string;
  columns: Column<R>[];
  rows: R[];
  sort?: { key: string; dir: 'asc' | 'desc' };
  /** A totals row under the body, not sorted with it. */
  footer?: R;
  class?: string;
  onSort?: (sort: { key: string; dir: 'asc' | 'desc' }) => void;
}

/** Numbers numerically, anything else as text in the browser's locale (numeric-aware: "Campaign 10" after "Campaign 9"). */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

const isBlank = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** A stable sort with blanks (no CPL when nothing was spent…) last whichever the direction. */
export function sortRows<R>(rows: readonly R[], value: (row: R) => unknown, dir: 'asc' | 'desc'): R[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: value(row) }))
    .sort((x, y) => {
      const nullX = isBlank(x.v);
      const nullY = isBlank(y.v);
      if (nullX || nullY) return nullX === nullY ? x.i - y.i : nullX ? 1 : -1;
      return sign * compareValues(x.v, y.v) || x.i - y.i;
    })
    .map((x) => x.row);
}

/** A table whose column headers are buttons that sort it (aria-sort tells screen readers the order). */
export function sortableTable<R>(opts: TableOptions<R>): HTMLElement {
  let sort = opts.sort;
  const wrap = h('div', { class: `table-wrap ${opts.class ?? ''}` });
  const valueOf = (col: Column<R>) => col.value ?? ((row: R) => (row as Record<string, unknown>)[col.key]);
  const cell = (col: Column<R>, row: R, tag: 'td' | 'th' = 'td') =>
    h(tag, { class: col.numeric ? 'num' : undefined, attrs: tag === 'th' ? { scope: 'row' } : {} }, col.render ? col.render(row) : String(valueOf(col)(row) ?? '—'));

  function draw() {
    const col = sort && opts.columns.find((c) => c.key === sort!.key);
    const rows = col && sort ? sortRows(opts.rows, valueOf(col), sort.dir) : opts.rows;
    const head = h(
      'tr',
      null,
      opts.columns.map((c) => {
        const active = sort?.key === c.key;
        const ariaSort = active ? (sort!.dir === 'asc' ? 'ascending' : 'descending') : undefined;
        return h(
          'th',
          { class: c.numeric ? 'num' : undefined, attrs: { scope: 'col', 'aria-sort': ariaSort, title: c.help } },
          h(
            'button',
            {
              class: 'sort',
              attrs: { type: 'button', 'data-sort': c.key },
              on: {
                click: () => {
                  sort = { key: c.key, dir: active ? (sort!.dir === 'asc' ? 'desc' : 'asc') : c.numeric ? 'desc' : 'asc' };
                  opts.onSort?.(sort);
                  draw();
                  (wrap.querySelector(`button[data-sort="${c.key}"]`) as HTMLButtonElement | null)?.focus();
                },
              },
            },
            c.label,
            h('span', { class: 'sort-mark', attrs: { 'aria-hidden': 'true' } }, active ? (sort!.dir === 'asc' ? '▲' : '▼') : '↕'),
          ),
        );
      }),
    );
    const body = rows.map((row) => h('tr', null, opts.columns.map((c, i) => cell(c, row, i === 0 ? 'th' : 'td'))));
    const foot = opts.footer ? h('tfoot', null, h('tr', null, opts.columns.map((c, i) => cell(c, opts.footer!, i === 0 ? 'th' : 'td')))) : null;
    wrap.replaceChildren(h('table', null, h('caption', { class: 'sr-only' }, opts.caption), h('thead', null, head), h('tbody', null, body), foot));
  }
  draw();
  return wrap;
}
