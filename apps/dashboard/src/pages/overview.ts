import type { FunnelMetrics, FunnelReport } from '../api.js';
import { smallMultiples } from '../charts/line-chart.js';
import type { PageContext } from '../context.js';
import { previousRange, rangeDays } from '../dates.js';
import { h } from '../dom.js';
import { formatCount, formatDay, formatMoney, formatMultiple, formatPercent } from '../format.js';
import { kpiTile, type Kpi } from '../ui/kpi.js';
import { rangePicker } from '../ui/range-picker.js';
import { empty, fill } from '../ui/status.js';
import { sortableTable } from '../ui/table.js';

function kpis(now: FunnelMetrics | undefined, before: FunnelMetrics | undefined, currency: string): Kpi[] {
  const money = (v: unknown) => formatMoney(v, currency);
  const k = (id: keyof FunnelMetrics, label: string, format: (v: unknown) => string, polarity: Kpi['polarity'], help: string): Kpi => ({
    id,
    label,
    help,
    format,
    polarity,
    current: now?.[id],
    previous: before?.[id],
  });
  return [
    k('visitors', 'Visitors', (v) => formatCount(v), 'up', 'Distinct browsers that visited'),
    k('leads', 'Leads', (v) => formatCount(v), 'up', 'People who identified themselves (first email or user id)'),
    k('customers', 'Customers', (v) => formatCount(v), 'up', 'People with a customer conversion'),
    k('revenue', 'Revenue', money, 'up', 'Value of the customer conversions'),
    k('spend', 'Ad spend', money, 'neutral', 'Spend uploaded for the period'),
    k('cpl', 'Cost per lead', money, 'down', 'CPL: spend ÷ leads'),
    k('cvr', 'Lead → customer', (v) => formatPercent(v), 'up', 'CVR: customers ÷ leads'),
    k('cpa', 'Cost per customer', money, 'down', 'CPA: spend ÷ customers'),
    k('roas', 'ROAS', (v) => formatMultiple(v), 'up', 'Return on ad spend: revenue ÷ spend'),
  ];
}

export function overviewPage(ctx: PageContext): HTMLElement {
  const { api, range } = ctx;
  const prev = previousRange(range);
  const tiles = h('section', { class: 'kpis', attrs: { 'aria-label': 'Key figures' } });
  const series = h('section', { class: 'card', attrs: { 'aria-label': 'Per day' } });
  const top = h('section', { class: 'card', attrs: { 'aria-labelledby': 'top-channels' } });

  const funnel = (r = range) => api.funnel(r, { groupBy: ['channel'] });
  const current = funnel();
  void fill(
    tiles,
    () => Promise.all([current, funnel(prev)]),
    ([now, before]) => {
      // Volumes on the first row, what they cost and return on the second.
      const tiles = kpis(now.totals, before.totals, now.currency ?? 'EUR').map(kpiTile);
      return [h('div', { class: 'kpi-row' }, tiles.slice(0, 5)), h('div', { class: 'kpi-row' }, tiles.slice(5))];
    },
  );
  void fill(
    series,
    // Past four months a day is a pixel or less: weeks read better.
    () => api.timeseries(range, rangeDays(range) > 120 ? 'week' : 'day'),
    (ts) => {
      const points = ts.points ?? [];
      if (points.length === 0) return empty('No data for this period yet.');
      const days = points.map((p) => p.date);
      return smallMultiples(
        days,
        [
          { label: 'Visitors', tone: 'series-1', values: points.map((p) => p.visitors ?? 0), format: (v) => formatCount(v) },
          { label: 'Leads', tone: 'series-2', values: points.map((p) => p.leads ?? 0), format: (v) => formatCount(v) },
          { label: 'Customers', tone: 'series-3', values: points.map((p) => p.customers ?? 0), format: (v) => formatCount(v) },
        ],
        `Visitors, leads and customers per ${ts.interval === 'week' ? 'week' : 'day'}`,
      );
    },
  );
  void fill(
    top,
    () => current,
    (report: FunnelReport) => [
      h('h2', { attrs: { id: 'top-channels' } }, 'Channels at a glance'),
      report.rows.length === 0
        ? empty('No visits in this period yet. Paste the snippet from “Data in” into your site.')
        : sortableTable({
            caption: 'Channels at a glance',
            rows: report.rows,
            sort: { key: 'leads', dir: 'desc' },
            columns: [
              { key: 'channel', label: 'Channel', value: (r) => r.channel ?? '(none)' },
              { key: 'visitors', label: 'Visitors', numeric: true, render: (r) => formatCount(r.visitors) },
              { key: 'leads', label: 'Leads', numeric: true, render: (r) => formatCount(r.leads) },
              { key: 'customers', label: 'Customers', numeric: true, render: (r) => formatCount(r.customers) },
              { key: 'revenue', label: 'Revenue', numeric: true, render: (r) => formatMoney(r.revenue, report.currency) },
            ],
          }),
      h('p', { class: 'more' }, h('a', { attrs: { href: '/dashboard/channels' } }, 'All channels and campaigns →')),
    ],
  );

  return h(
    'section',
    { class: 'page' },
    h(
      'div',
      { class: 'page-head' },
      h('div', null, h('h1', null, 'Overview'), h('p', { class: 'subtitle' }, `${formatDay(range.from, true)} – ${formatDay(range.to, true)} · compared with the previous ${rangeDays(range)} days`)),
      rangePicker(range, ctx.setRange, ctx.now),
    ),
    tiles,
    series,
    top,
  );
}
