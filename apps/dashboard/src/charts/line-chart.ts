import { h, svg } from '../dom.js';
import { formatDay } from '../format.js';
import { labelIndexes, niceTicks, shortNumber } from './scale.js';

export interface Series {
  label: string;
  /** A CSS class that gives the line its colour (`series-1`…), so the palette lives in the stylesheet. */
  tone: string;
  values: number[];
  format: (v: number) => string;
}

const W = 880;
const H = 170;
const PAD = { top: 12, right: 12, bottom: 24, left: 44 };

/**
 * One small chart per series over the same days (visitors are counted in hundreds, customers in ones: a
 * shared axis would flatten the lines that matter most). Each is an SVG with a text alternative, and a
 * pointer or keyboard focus shows the day's value.
 */
export function smallMultiples(days: string[], series: Series[], title: string): HTMLElement {
  const table = dataTable(days, series, title);
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', { class: 'chart-title' }, title),
    series.map((s) => lineChart(days, s)),
    h('details', { class: 'chart-data' }, h('summary', null, 'Show the numbers'), table),
  );
}

function lineChart(days: string[], s: Series): HTMLElement {
  const n = days.length;
  const max = Math.max(0, ...s.values);
  const ticks = niceTicks(max, 3);
  const top = ticks[ticks.length - 1]!;
  const x = (i: number) => PAD.left + (n <= 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / top);
  const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  const total = s.values.reduce((a, b) => a + b, 0);

  const grid = ticks.map((t) =>
    svg('g', { class: 'tick' }, svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(t), y2: y(t) }), svg('text', { x: PAD.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, shortNumber(t))),
  );
  const xLabels = labelIndexes(n, 7).map((i) =>
    svg('text', { class: 'x-label', x: x(i), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle' }, formatDay(days[i]!)),
  );
  const area = n > 1 ? svg('path', { class: `area ${s.tone}`, d: `M${x(0)},${y(0)} L${points.join(' L')} L${x(n - 1)},${y(0)} Z` }) : null;
  const line = svg('polyline', { class: `line ${s.tone}`, points: points.join(' ') });
  const cursor = svg('line', { class: 'cursor', x1: 0, x2: 0, y1: PAD.top, y2: H - PAD.bottom, visibility: 'hidden' });
  const dot = svg('circle', { class: `dot ${s.tone}`, r: 4, cx: 0, cy: 0, visibility: 'hidden' });
  const readout = h('span', { class: 'readout', attrs: { 'aria-live': 'polite' } });

  const chart = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${s.label}, ${days.length} points from ${days[0] ?? ''} to ${days[n - 1] ?? ''}, total ${s.format(total)}, highest ${s.format(max)}`, tabindex: 0 },
    grid,
    xLabels,
    area,
    line,
    cursor,
    dot,
  );

  let current = -1;
  const show = (i: number) => {
    current = Math.max(0, Math.min(n - 1, i));
    const cx = x(current);
    cursor.setAttribute('x1', String(cx));
    cursor.setAttribute('x2', String(cx));
    cursor.setAttribute('visibility', 'visible');
    dot.setAttribute('cx', String(cx));
    dot.setAttribute('cy', String(y(s.values[current] ?? 0)));
    dot.setAttribute('visibility', 'visible');
    readout.textContent = `${formatDay(days[current]!, true)}: ${s.format(s.values[current] ?? 0)}`;
  };
  const hide = () => {
    cursor.setAttribute('visibility', 'hidden');
    dot.setAttribute('visibility', 'hidden');
    readout.textContent = '';
  };
  if (n > 0) {
    chart.addEventListener('pointermove', (e) => {
      const box = chart.getBoundingClientRect();
      const px = ((e.clientX - box.left) / box.width) * W;
      show(Math.round(((px - PAD.left) / (W - PAD.left - PAD.right)) * (n - 1)));
    });
    chart.addEventListener('pointerleave', hide);
    chart.addEventListener('blur', hide);
    chart.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      e.preventDefault();
      show(current < 0 ? (step > 0 ? 0 : n - 1) : current + step);
    });
  }

  return h(
    'div',
    { class: 'mini-chart' },
    h('div', { class: 'mini-chart-head' }, h('span', { class: `swatch ${s.tone}`, attrs: { 'aria-hidden': 'true' } }), h('span', { class: 'mini-chart-label' }, s.label), h('span', { class: 'mini-chart-total' }, s.format(total)), readout),
    chart,
  );
}

function dataTable(days: string[], series: Series[], title: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap compact' },
    h(
      'table',
      null,
      h('caption', { class: 'sr-only' }, title),
      h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, 'Day'), series.map((s) => h('th', { class: 'num', attrs: { scope: 'col' } }, s.label)))),
      h(
        'tbody',
        null,
        days.map((d, i) => h('tr', null, h('th', { attrs: { scope: 'row' } }, formatDay(d, true)), series.map((s) => h('td', { class: 'num' }, s.format(s.values[i] ?? 0))))),
      ),
    ),
  );
}
