/**
 * Calls `onRoute` when the path changes through history.pushState/replaceState or popstate (and the
 * hash, when asked). Keyed on the path: a replaceState that only strips `?utm_…` is not a new pageview.
 */
export function watchRoutes(onRoute: () => void, hash: unknown, w: Window = window): void {
  const { location, history } = w;
  const key = () => location.pathname + (hash ? location.hash : '');
  let last = key();
  const check = () => last != (last = key()) && onRoute();
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = (...args: Parameters<History['pushState']>) => {
      original.apply(history, args);
      check();
    };
  }
  w.addEventListener('popstate', check);
  if (hash) w.addEventListener('hashchange', check);
}
