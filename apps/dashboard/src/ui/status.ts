import { h } from '../dom.js';
import { ApiError } from '../api.js';

export const loading = (what = 'Loading…') => h('p', { class: 'loading', attrs: { role: 'status' } }, what);

export function errorBox(error: unknown, retry?: () => void) {
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return h(
    'div',
    { class: 'error-box', attrs: { role: 'alert' } },
    h('strong', null, 'Something went wrong. '),
    message,
    retry ? h('button', { class: 'link-button', attrs: { type: 'button' }, on: { click: retry } }, 'Try again') : null,
  );
}

export const empty = (what: string) => h('p', { class: 'empty' }, what);

/** Runs `load` and puts its result (or a loading line, or the error with a retry) into `box`. */
export async function fill<T>(box: HTMLElement, load: () => Promise<T>, render: (value: T) => Node | Node[]) {
  box.replaceChildren(loading());
  box.setAttribute('aria-busy', 'true');
  try {
    const value = await load();
    const out = render(value);
    box.replaceChildren(...(Array.isArray(out) ? out : [out]));
  } catch (e) {
    box.replaceChildren(errorBox(e, () => void fill(box, load, render)));
  } finally {
    box.removeAttribute('aria-busy');
  }
}
