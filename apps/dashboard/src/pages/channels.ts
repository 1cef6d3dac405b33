import { MODEL_LABELS, MODELS, type AttributionReport, type Dimension, type Filters, type FunnelReport, type FunnelRow, type Model } from '../api.js';
import { funnelChart, npsChart } from '../charts/bars.js';
import type { PageContext } from '../context.js';
import { h } from '../dom.js';
import { formatCount, formatDay, formatMoney, formatMultiple, formatNps, formatPercent } from '../format.js';
import { rangePicker } from '../ui/range-picker.js';
import { empty, fill } from '../ui/status.js';
import { sortableTable, type Column } from '../ui/table.js';

export const MODEL_HELP: Record<Model, string> = {
  first_touch: 'All the credit goes to the visit that first brought the person.',
  last_touch: 'All the credit goes to the last visit before the conversion.',
  last_non_direct: 'Like last touch, but a Direct visit is passed over when another channel came before it.',
  linear: 'The credit is shared equally by every visit of the journey.',
  time_decay: 'Visits closer to the conversion get more credit (half of it every 7 days back).',
  position_based: '40 % to the first visit, 40 % to the last, 20 % shared by the visits between.',
  markov: 'Data-driven: each channel gets credit by how many conversions would be lost without it, learnt from all journeys, converting or not.',
};

/** Where the drill-down is: all channels, one channel's sources, one source/medium's campaigns. */
interface Level {
  groupBy: Dimension[];
  filters: Filters;
  noun: string;
}

function levelOf(filters: Filters): Level {
  if (filters.channel && filters.source !== undefined) return { groupBy: ['campaign'], filters, noun: 'Campaign' };
  if (filters.channel) return { groupBy: ['source', 'medium'], filters, noun: 'Source / medium' };
  return { groupBy: ['channel'], filters: {}, noun: 'Channel' };
}

const rowName = (row: Partial<Record<Dimension, string>>, groupBy: Dimension[]) =>
  groupBy.map((d) => (row[d] === undefined || row[d] === '' ? '(not set)' : row[d])).join(' / ');

/** Kept between visits to the page, so a range change or going back does not lose the user's place. */
const state = {
  model: 'first_touch' as Model,
  filters: {} as Filters,
  sort: { key: 'leads', dir: 'desc' as 'asc' | 'desc' },
  compare: { a: 'first_touch' as Model, b: 'markov' as Model, conversion: 'customer' },
};

function modelSelect(id: string, label: string, value: Model, onChange: (m: Model) => void) {
  const select = h(
    'select',
    { attrs: { id, name: id }, on: { change: () => onChange(select.value as Model) } },
    MODELS.map((m) => h('option', { attrs: { value: m, selected: m === value } }, MODEL_LABELS[m])),
  );
  return h('span', { class: 'field' }, h('label', { attrs: { for: id } }, label), select);
}

export function channelsPage(ctx: PageContext): HTMLElement {
  const page = h('section', { class: 'page' });
  const draw = () => {
    page.replaceChildren(...content(ctx, draw));
  };
  draw();
  return page;
}

function content(ctx: PageContext, redraw: () => void): Node[] {
  const { api, range } = ctx;
  const level = levelOf(state.filters);
  const tableBox = h('div', { class: 'card', attrs: { id: 'funnel-table' } });
  const chartsBox = h('div', { class: 'chart-pair' });
  const compareBox = h('div', { attrs: { id: 'model-comparison' } });

  const drill = (row: FunnelRow) => {
    if (level.groupBy[0] === 'campaign') return;
    state.filters = level.groupBy[0] === 'channel' ? { channel: row.channel ?? '' } : { channel: state.filters.channel!, source: row.source ?? '', medium: row.medium ?? '' };
    redraw();
  };

  const crumbs: Array<{ label: string; filters: Filters | undefined }> = [{ label: 'All channels', filters: {} }];
  if (state.filters.channel !== undefined) crumbs.push({ label: state.filters.channel, filters: { channel: state.filters.channel } });
  if (state.filters.source !== undefined) crumbs.push({ label: rowName(state.filters, ['source', 'medium']), filters: undefined });
  crumbs[crumbs.length - 1]!.filters = undefined;

  const report = api.funnel(range, { groupBy: level.groupBy, filters: level.filters, model: state.model });
  void fill(tableBox, () => report, (r) => funnelTable(r, level, drill));
  void fill(chartsBox, () => report, (r) => {
    if (r.rows.length === 0) return [];
    const named = [...r.rows].sort((a, b) => (b.visitors ?? 0) - (a.visitors ?? 0)).map((row) => ({ ...row, name: rowName(row, level.groupBy) }));
    return [
      h('div', { class: 'card' }, funnelChart(named, `Visitor → lead → customer by ${level.noun.toLowerCase()}`, level.noun)),
      h(
        'div',
        { class: 'card' },
        npsChart(
          named.filter((row) => (row.nps?.responses ?? 0) > 0).map((row) => ({ name: row.name, score: row.nps?.score ?? null, responses: row.nps?.responses ?? 0 })),
          `Net Promoter Score by ${level.noun.toLowerCase()}`,
        ),
        (r.totals.nps?.responses ?? 0) === 0 ? empty('No NPS answers yet: send “NPS Submitted” events with a score from 0 to 10.') : null,
      ),
    ];
  });
  drawComparison(ctx, level, compareBox);

  return [
    h(
      'div',
      { class: 'page-head' },
      h('div', null, h('h1', null, 'Channels & campaigns'), h('p', { class: 'subtitle' }, `${formatDay(range.from, true)} – ${formatDay(range.to, true)}`)),
      rangePicker(range, ctx.setRange, ctx.now),
    ),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'nav',
        { class: 'crumbs', attrs: { 'aria-label': 'Drill-down' } },
        h(
          'ol',
          null,
          crumbs.map((c) =>
            h(
              'li',
              null,
              c.filters
                ? h('button', { class: 'link-button', attrs: { type: 'button' }, on: { click: () => ((state.filters = c.filters!), redraw()) } }, c.label)
                : h('span', { attrs: { 'aria-current': 'location' } }, c.label),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'model-picker' },
        modelSelect('model', 'Attribution model', state.model, (m) => {
          state.model = m;
          redraw();
        }),
        h('p', { class: 'hint' }, MODEL_HELP[state.model]),
      ),
    ),
    tableBox,
    chartsBox,
    compareBox,
  ];
}

function funnelTable(r: FunnelReport, level: Level, drill: (row: FunnelRow) => void): Node[] {
  if (r.rows.length === 0) return [empty('Nothing in this period at this level.')];
  const money = (v: unknown) => formatMoney(v, r.currency);
  const canDrill = level.groupBy[0] !== 'campaign';
  const columns: Column<FunnelRow>[] = [
    {
      key: 'name',
      label: level.noun,
      value: (row) => rowName(row, level.groupBy),
      render: (row) =>
        row === r.totals
          ? 'Total'
          : canDrill
            ? h('button', { class: 'link-button drill', attrs: { type: 'button', title: `Show the ${level.groupBy[0] === 'channel' ? 'sources' : 'campaigns'} of ${rowName(row, level.groupBy)}` }, on: { click: () => drill(row) } }, rowName(row, level.groupBy))
            : rowName(row, level.groupBy),
    },
    { key: 'visitors', label: 'Visitors', numeric: true, render: (row) => formatCount(row.visitors) },
    { key: 'sessions', label: 'Sessions', numeric: true, render: (row) => formatCount(row.sessions) },
    { key: 'leads', label: 'Leads', numeric: true, render: (row) => formatCount(row.leads) },
    { key: 'customers', label: 'Customers', numeric: true, render: (row) => formatCount(row.customers) },
    { key: 'revenue', label: 'Revenue', numeric: true, render: (row) => money(row.revenue) },
    { key: 'spend', label: 'Spend', numeric: true, render: (row) => money(row.spend) },
    { key: 'cpl', label: 'CPL', numeric: true, help: 'Cost per lead: spend ÷ leads', render: (row) => money(row.cpl) },
    { key: 'cvr', label: 'CVR', numeric: true, help: 'Lead → customer rate', render: (row) => formatPercent(row.cvr) },
    { key: 'cpa', label: 'CPA', numeric: true, help: 'Cost per customer: spend ÷ customers', render: (row) => money(row.cpa) },
    { key: 'roas', label: 'ROAS', numeric: true, help: 'Return on ad spend: revenue ÷ spend', render: (row) => formatMultiple(row.roas) },
    { key: 'nps', label: 'NPS', numeric: true, value: (row) => row.nps?.score ?? null, render: (row) => formatNps(row.nps?.score) },
  ];
  return [
    sortableTable({
      caption: `Funnel by ${level.noun.toLowerCase()}, ${MODEL_LABELS[r.model] ?? r.model}`,
      class: 'funnel-table',
      columns,
      rows: r.rows,
      footer: r.totals as FunnelRow,
      sort: state.sort,
      onSort: (s) => (state.sort = s),
    }),
    h('p', { class: 'hint' }, `Leads, customers and revenue credited under ${MODEL_LABELS[r.model] ?? r.model}. ${canDrill ? 'Select a row to drill down.' : ''}`),
  ];
}

function drawComparison(ctx: PageContext, level: Level, box: HTMLElement) {
  const result = h('div', { class: 'card', attrs: { 'aria-live': 'polite' } });
  const conversion = h(
    'select',
    { attrs: { id: 'compare-conversion' }, on: { change: () => ((state.compare.conversion = conversion.value), load()) } },
    [
      ['customer', 'Customers'],
      ['lead', 'Leads'],
    ].map(([v, l]) => h('option', { attrs: { value: v!, selected: state.compare.conversion === v } }, l!)),
  );
  const load = () =>
    void fill(
      result,
      () =>
        Promise.all(
          [state.compare.a, state.compare.b].map((model) => drilledAttribution(ctx, level, model, state.compare.conversion)),
        ),
      ([a, b]) => comparisonTable(a!, b!, level),
    );
  box.replaceChildren(
    h('h2', null, 'Compare two attribution models'),
    h(
      'div',
      { class: 'toolbar' },
      modelSelect('compare-a', 'Model A', state.compare.a, (m) => ((state.compare.a = m), load())),
      modelSelect('compare-b', 'Model B', state.compare.b, (m) => ((state.compare.b = m), load())),
      h('span', { class: 'field' }, h('label', { attrs: { for: 'compare-conversion' } }, 'Conversions'), conversion),
    ),
    result,
  );
  load();
}

/**
 * The attribution report takes no filters: a drill-down level asks for its parents' dimensions too
 * (channel, source, medium) and keeps the rows under the selected parent.
 */
async function drilledAttribution(ctx: PageContext, level: Level, model: Model, conversion: string): Promise<AttributionReport> {
  const parents = (Object.keys(level.filters) as Dimension[]).filter((d) => !level.groupBy.includes(d));
  const report = await ctx.api.attribution(ctx.range, { groupBy: [...parents, ...level.groupBy], model, conversion });
  const rows = (report.rows ?? []).filter((row) => parents.every((d) => (row[d] ?? '') === (level.filters[d] ?? '')));
  return { ...report, rows };
}

const conversions = (n: unknown) => `${formatCount(n)} ${n === 1 ? 'conversion' : 'conversions'}`;

type Joined = { name: string; a?: AttributionReport['rows'][number]; b?: AttributionReport['rows'][number] };

function comparisonTable(a: AttributionReport, b: AttributionReport, level: Level): Node[] {
  const byName = new Map<string, Joined>();
  for (const [side, report] of [['a', a], ['b', b]] as const) {
    for (const row of report.rows ?? []) {
      const name = rowName(row, level.groupBy);
      const joined = byName.get(name) ?? { name };
      joined[side] = row;
      byName.set(name, joined);
    }
  }
  const rows = [...byName.values()];
  if (rows.length === 0) return [empty('No conversions of this type in this period.')];
  const money = (v: unknown) => formatMoney(v, a.currency);
  const la = MODEL_LABELS[a.model] ?? a.model;
  const lb = MODEL_LABELS[b.model] ?? b.model;
  const markov = a.model === 'markov' ? a : b.model === 'markov' ? b : undefined;
  const side = markov === a ? 'a' : 'b';
  const columns: Column<Joined>[] = [
    { key: 'name', label: level.noun },
    { key: 'a-conv', label: 'Conversions A', numeric: true, help: la, value: (r) => r.a?.conversions ?? 0, render: (r) => formatCount(r.a?.conversions ?? 0) },
    { key: 'a-rev', label: 'Revenue A', numeric: true, help: la, value: (r) => r.a?.revenue ?? 0, render: (r) => money(r.a?.revenue ?? 0) },
    { key: 'b-conv', label: 'Conversions B', numeric: true, help: lb, value: (r) => r.b?.conversions ?? 0, render: (r) => formatCount(r.b?.conversions ?? 0) },
    { key: 'b-rev', label: 'Revenue B', numeric: true, help: lb, value: (r) => r.b?.revenue ?? 0, render: (r) => money(r.b?.revenue ?? 0) },
    {
      key: 'delta',
      label: 'B − A',
      numeric: true,
      value: (r) => (r.b?.conversions ?? 0) - (r.a?.conversions ?? 0),
      render: (r) => {
        const d = (r.b?.conversions ?? 0) - (r.a?.conversions ?? 0);
        return h('span', { class: Math.abs(d) < 0.05 ? 'delta' : d > 0 ? 'delta good' : 'delta bad' }, `${d > 0 ? '+' : d < 0 ? '−' : ''}${formatCount(Math.abs(d))}`);
      },
    },
  ];
  if (markov) columns.push({ key: 'removal', label: 'Removal effect', numeric: true, help: 'Share of conversions lost if this channel were removed (Markov)', value: (r) => r[side]?.removalEffect ?? null, render: (r) => formatPercent(r[side]?.removalEffect) });
  return [
    h('p', { class: 'compare-legend' }, h('span', { class: 'badge' }, 'A'), ` ${la}`, h('span', { class: 'badge' }, 'B'), ` ${lb}`),
    sortableTable({ caption: `${la} (A) compared with ${lb} (B)`, columns, rows, sort: { key: 'b-conv', dir: 'desc' }, class: 'compare-table' }),
    h(
      'p',
      { class: 'hint' },
      `${la}: ${conversions(a.totals?.conversions)} worth ${money(a.totals?.revenue)}; ${lb}: ${conversions(b.totals?.conversions)} worth ${money(b.totals?.revenue)}. The models share the same conversions out differently.`,
      markov?.conversionProbability !== undefined ? ` Conversion probability of a journey: ${formatPercent(markov.conversionProbability)}.` : '',
    ),
  ];
}
