import type { UploadResult } from '../api.js';
import { parseCsv, type ParsedCsv } from '../csv.js';
import { h } from '../dom.js';
import { formatCount } from '../format.js';
import { errorBox, loading } from './status.js';

export interface UploadOptions {
  id: string;
  title: string;
  intro: string;
  /** The columns the server reads, shown before a file is chosen. */
  columns: string;
  /** A small example file the user can download and fill in. */
  template: { name: string; csv: string };
  send(csv: string, dryRun: boolean): Promise<UploadResult>;
  /** Words for the counts the endpoint answers with (`{accepted: 'new'}`). */
  labels: Record<string, string>;
}

const PREVIEW_ROWS = 8;

/** The counts of an upload answer, in words: `[["new", 3], ["updated", 1]]`; rejected rows are shown apart. */
export function summarize(result: UploadResult, labels: Record<string, string> = {}): Array<[string, number]> {
  return Object.entries(result)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([k, v]) => [labels[k] ?? k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(), v]);
}

function previewTable(parsed: ParsedCsv, badLines: Set<number>) {
  return h(
    'div',
    { class: 'table-wrap compact' },
    h(
      'table',
      { class: 'preview' },
      h('caption', { class: 'sr-only' }, 'First rows of the file'),
      h('thead', null, h('tr', null, h('th', { class: 'num', attrs: { scope: 'col' } }, 'Line'), parsed.header.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
      h(
        'tbody',
        null,
        parsed.rows.slice(0, PREVIEW_ROWS).map((r) =>
          h('tr', { class: badLines.has(r.line) ? 'has-error' : undefined }, h('td', { class: 'num' }, r.line), parsed.header.map((_, i) => h('td', null, r.cells[i] ?? ''))),
        ),
      ),
    ),
  );
}

function rejectedTable(result: UploadResult, parsed: ParsedCsv) {
  const rows = result.rejected ?? [];
  const byLine = new Map(parsed.rows.map((r) => [r.line, r.cells]));
  return h(
    'div',
    { class: 'table-wrap compact' },
    h(
      'table',
      { class: 'rejected' },
      h('caption', null, `${formatCount(rows.length)} ${rows.length === 1 ? 'row was' : 'rows were'} not taken`),
      h('thead', null, h('tr', null, h('th', { class: 'num', attrs: { scope: 'col' } }, 'Line'), h('th', { attrs: { scope: 'col' } }, 'Problem'), h('th', { attrs: { scope: 'col' } }, 'Row'))),
      h(
        'tbody',
        null,
        rows.slice(0, 200).map((r) => {
          const line = r.line ?? (r.index !== undefined ? parsed.rows[r.index]?.line : undefined);
          return h('tr', null, h('td', { class: 'num' }, line ?? '—'), h('td', null, r.error ?? 'rejected'), h('td', { class: 'mono' }, (line !== undefined ? byLine.get(line) : undefined)?.join(', ') ?? ''));
        }),
      ),
    ),
  );
}

function resultView(result: UploadResult, parsed: ParsedCsv, dryRun: boolean, labels: Record<string, string>) {
  const counts = summarize(result, labels).filter(([, v]) => v > 0);
  const ignored = Array.isArray(result.ignoredColumns) ? result.ignoredColumns.map(String) : [];
  const rejected = result.rejected?.length ?? 0;
  return h(
    'div',
    { class: `upload-result ${rejected ? 'with-errors' : 'ok'}`, attrs: { role: 'status' } },
    h(
      'p',
      { class: 'summary' },
      h('strong', null, dryRun ? 'Check: ' : 'Uploaded: '),
      counts.length ? counts.map(([k, v]) => `${formatCount(v)} ${k}`).join(' · ') : 'nothing to store',
      rejected ? ` · ${formatCount(rejected)} with problems` : '',
      dryRun ? ' — nothing is stored until you upload.' : '',
    ),
    ignored.length ? h('p', { class: 'hint' }, `Columns not read: ${ignored.join(', ')}.`) : null,
    rejected ? rejectedTable(result, parsed) : null,
  );
}

/** A card that takes a CSV file, previews it, lets the server check it, and uploads it. */
export function uploadCard(opts: UploadOptions): HTMLElement {
  const preview = h('div', { class: 'upload-preview' });
  const outcome = h('div', { attrs: { 'aria-live': 'polite' } });
  const fileInput = h('input', { class: 'sr-only', attrs: { id: `${opts.id}-file`, type: 'file', accept: '.csv,.tsv,.txt,text/csv' } });
  const uploadButton = h('button', { class: 'button primary', attrs: { type: 'button', disabled: true } }, 'Upload');
  let current: { text: string; parsed: ParsedCsv; name: string } | undefined;

  async function run(dryRun: boolean) {
    if (!current) return;
    const { text, parsed } = current;
    outcome.replaceChildren(loading(dryRun ? 'Checking the file…' : 'Uploading…'));
    uploadButton.disabled = true;
    try {
      const result = await opts.send(text, dryRun);
      const bad = new Set((result.rejected ?? []).map((r) => r.line ?? parsed.rows[r.index ?? -1]?.line ?? -1));
      preview.replaceChildren(previewHead(), previewTable(parsed, bad));
      outcome.replaceChildren(resultView(result ?? {}, parsed, dryRun, opts.labels));
      if (!dryRun) current = undefined;
    } catch (e) {
      outcome.replaceChildren(errorBox(e));
    } finally {
      uploadButton.disabled = !current;
      uploadButton.textContent = current ? `Upload ${formatCount(current.parsed.rows.length)} rows` : 'Upload';
    }
  }

  const previewHead = () =>
    h('p', { class: 'hint' }, current ? `${current.name}: ${formatCount(current.parsed.rows.length)} rows, ${current.parsed.header.length} columns. The first ${Math.min(PREVIEW_ROWS, current.parsed.rows.length)}:` : '');

  async function take(file: File) {
    const text = await file.text();
    const parsed = parseCsv(text);
    current = { text, parsed, name: file.name };
    preview.replaceChildren(previewHead(), parsed.rows.length ? previewTable(parsed, new Set()) : h('p', { class: 'empty' }, 'This file has no rows under its header.'));
    if (parsed.rows.length) await run(true);
    else outcome.replaceChildren();
  }

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void take(file);
  });
  uploadButton.addEventListener('click', () => void run(false));

  const drop = h(
    'label',
    {
      class: 'drop-zone',
      attrs: { for: `${opts.id}-file` },
      on: {
        dragover: (e) => (e.preventDefault(), drop.classList.add('dragging')),
        dragleave: () => drop.classList.remove('dragging'),
        drop: (e) => {
          e.preventDefault();
          drop.classList.remove('dragging');
          const file = e.dataTransfer?.files[0];
          if (file) void take(file);
        },
      },
    },
    h('strong', null, 'Choose a CSV file'),
    ' or drop it here',
    fileInput,
  );
  const template = URL.createObjectURL(new Blob([opts.template.csv], { type: 'text/csv' }));

  return h(
    'section',
    { class: 'card upload', attrs: { id: opts.id, 'aria-labelledby': `${opts.id}-title` } },
    h('h2', { attrs: { id: `${opts.id}-title` } }, opts.title),
    h('p', null, opts.intro),
    h('p', { class: 'hint' }, 'Columns: ', h('code', null, opts.columns), ' · ', h('a', { attrs: { href: template, download: opts.template.name } }, 'download a template')),
    drop,
    preview,
    h('div', { class: 'actions' }, uploadButton),
    outcome,
  );
}
