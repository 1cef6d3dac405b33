import { h } from '../dom.js';
import { normalizeRange, presetRange, PRESETS, type DateRange, type PresetId } from '../dates.js';

/** Preset ranges and a custom from–to, in a form (Enter applies). */
export function rangePicker(range: DateRange, onChange: (range: DateRange) => void, now = Date.now()): HTMLElement {
  const matching = PRESETS.find((p) => {
    const r = presetRange(p.id, now);
    return r.from === range.from && r.to === range.to;
  });
  const from = h('input', { attrs: { type: 'date', name: 'from', value: range.from, required: true, 'aria-label': 'From' } });
  const to = h('input', { attrs: { type: 'date', name: 'to', value: range.to, required: true, 'aria-label': 'To' } });
  const preset = h(
    'select',
    {
      attrs: { name: 'preset', 'aria-label': 'Date range' },
      on: {
        change: () => {
          if (preset.value === 'custom') return from.focus();
          onChange(presetRange(preset.value as PresetId, now));
        },
      },
    },
    PRESETS.map((p) => h('option', { attrs: { value: p.id, selected: matching?.id === p.id } }, p.label)),
    h('option', { attrs: { value: 'custom', selected: !matching } }, 'Custom range'),
  );
  const form = h(
    'form',
    {
      class: 'range-picker',
      attrs: { 'aria-label': 'Date range' },
      on: {
        submit: (e) => {
          e.preventDefault();
          const r = normalizeRange(from.value, to.value);
          if (r) onChange(r);
        },
      },
    },
    preset,
    h('span', { class: 'range-inputs' }, from, h('span', { attrs: { 'aria-hidden': 'true' } }, '–'), to),
    h('button', { class: 'button secondary', attrs: { type: 'submit' } }, 'Apply'),
  );
  return form;
}
