import { h } from '../dom.js';
import { formatChange, relativeChange } from '../format.js';

/** Whether a rise is good news (visitors), bad news (cost per lead) or neither (spend). */
export type Polarity = 'up' | 'down' | 'neutral';

export interface Kpi {
  id: string;
  label: string;
  help: string;
  current: unknown;
  previous: unknown;
  format: (v: unknown) => string;
  polarity: Polarity;
}

export function kpiTile(k: Kpi): HTMLElement {
  const change = relativeChange(k.current, k.previous);
  const direction = change === undefined || Math.abs(change) < 0.0005 ? 'flat' : change > 0 ? 'rise' : 'fall';
  const verdict = direction === 'flat' || k.polarity === 'neutral' ? 'neutral' : (direction === 'rise') === (k.polarity === 'up') ? 'good' : 'bad';
  const arrow = direction === 'rise' ? '↑' : direction === 'fall' ? '↓' : '';
  return h(
    'div',
    { class: 'kpi', attrs: { 'data-kpi': k.id, title: k.help } },
    h('p', { class: 'kpi-label' }, k.label),
    h('p', { class: 'kpi-value' }, k.format(k.current)),
    h(
      'p',
      { class: `kpi-change ${verdict}` },
      h('span', { attrs: { 'aria-hidden': 'true' } }, arrow ? `${arrow} ` : ''),
      formatChange(change),
      h('span', { class: 'kpi-previous' }, ` vs ${k.format(k.previous)}`),
    ),
  );
}
