import { h } from '../dom.js';
import { formatCount, formatNps, formatPercent } from '../format.js';

/** A horizontal bar whose length is `share` (0–1) of its track; the width is set through the CSSOM, which the CSP allows. */
function bar(share: number, tone: string, label: string) {
  const fill = h('span', { class: `bar-fill ${tone}` });
  fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return h('span', { class: 'bar-track' }, fill, h('span', { class: 'bar-label' }, label));
}

export interface FunnelStep {
  name: string;
  visitors: number;
  leads: number;
  customers: number;
}

/**
 * Visitor → lead → customer for each channel. Each stage is scaled to its own largest channel, since
 * customers are a few per cent of visitors; the step rates between the stages carry the comparison.
 */
export function funnelChart(steps: FunnelStep[], title: string, dimension = 'Channel'): HTMLElement {
  const max = (k: 'visitors' | 'leads' | 'customers') => Math.max(1e-9, ...steps.map((s) => s[k]));
  const mv = max('visitors');
  const ml = max('leads');
  const mc = max('customers');
  const rate = (a: number, b: number) => (a > 0 ? formatPercent(b / a) : '—');
  return h(
    'figure',
    { class: 'chart funnel-chart' },
    h('figcaption', { class: 'chart-title' }, title),
    h(
      'div',
      { class: 'funnel-grid', attrs: { role: 'table', 'aria-label': title } },
      h(
        'div',
        { class: 'funnel-row funnel-head', attrs: { role: 'row' } },
        [dimension, 'Visitors', '', 'Leads', '', 'Customers'].map((t) => h('span', { attrs: { role: 'columnheader' } }, t)),
      ),
      steps.map((s) =>
        h(
          'div',
          { class: 'funnel-row', attrs: { role: 'row' } },
          h('span', { class: 'funnel-name', attrs: { role: 'rowheader' } }, s.name),
          h('span', { attrs: { role: 'cell' } }, bar(s.visitors / mv, 'series-1', formatCount(s.visitors))),
          h('span', { class: 'step-rate', attrs: { role: 'cell', title: 'visitor → lead' } }, rate(s.visitors, s.leads)),
          h('span', { attrs: { role: 'cell' } }, bar(s.leads / ml, 'series-2', formatCount(s.leads))),
          h('span', { class: 'step-rate', attrs: { role: 'cell', title: 'lead → customer' } }, rate(s.leads, s.customers)),
          h('span', { attrs: { role: 'cell' } }, bar(s.customers / mc, 'series-3', formatCount(s.customers))),
        ),
      ),
    ),
  );
}

/** Net Promoter Score per channel on its −100…+100 scale: bars grow right of zero or left of it. */
export function npsChart(rows: Array<{ name: string; score: number | null; responses: number }>, title: string): HTMLElement {
  return h(
    'figure',
    { class: 'chart nps-chart' },
    h('figcaption', { class: 'chart-title' }, title),
    h(
      'ul',
      { class: 'nps-list' },
      rows.map((r) => {
        const fill = h('span', { class: `nps-fill ${r.score !== null && r.score < 0 ? 'negative' : 'positive'}` });
        if (r.score !== null) {
          const half = Math.min(100, Math.abs(r.score)) / 2;
          fill.style.width = `${half}%`;
          fill.style.left = r.score < 0 ? `${50 - half}%` : '50%';
        }
        return h(
          'li',
          { class: 'nps-row' },
          h('span', { class: 'nps-name' }, r.name),
          h('span', { class: 'nps-track', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'nps-zero' }), fill),
          h('span', { class: 'nps-score' }, formatNps(r.score)),
          h('span', { class: 'nps-n' }, r.responses === 1 ? '1 response' : `${formatCount(r.responses)} responses`),
        );
      }),
    ),
  );
}
