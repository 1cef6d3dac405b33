/**
 * Calls `onRoute` when the path changes through history.pushState/replaceState or popstate (and the
 * hash, when asked). Keyed on the path: a replaceState that only strips `?utm_…` is not a new pageview.
 */
export function watchRoutes(onRoute: () => void, hash: boolean, w: Window = window): void {
  const key = () => w.location.pathname + (hash ? w.location.hash : '');
  let last = key();
  const check = () => {
    const k = key();
    if (k === last) return;
    last = k;
    onRoute();
  };
  const history = w.history;
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      check();
      return result;
    };
  }
  w.addEventListener('popstate', check);
  if (hash) w.addEventListener('hashchange', check);
}
