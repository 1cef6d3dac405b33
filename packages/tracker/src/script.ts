import { init, type Lazo, type LazoOptions } from './index.js';

type Stub = ((...args: unknown[]) => void) & { q?: ArrayLike<unknown>[] };

/**
 * The script-tag build. Options come from the tag's data attributes (`data-key`, `data-consent`,
 * `data-cookie-domain` …; "false" is false, an empty attribute true, digits a number); calls queued by the stub in
 * `window.lazo.q` are replayed in order. The only global is `lazo`.
 */
const script = document.currentScript as HTMLScriptElement; // only readable while the script runs
// The work (first cookie and localStorage access, both synchronous round trips to the browser process)
// runs in a task of its own, after this one: the script's evaluation stays off the critical path.
setTimeout(() => {
  try {
    const options: Record<string, unknown> = { host: new URL(script.src).origin };
    for (const [name, value = ''] of Object.entries(script.dataset))
      options[name] = value === 'false' ? false : !value || (+value >= 0 ? +value : value);
    const queued = (window as unknown as { lazo?: Stub }).lazo?.q ?? [];
    const api = init(options as unknown as LazoOptions);
    const lazo = (method: keyof Lazo, ...args: unknown[]) => (api[method] as ((...a: unknown[]) => unknown) | undefined)?.(...args);
    (window as unknown as { lazo: typeof lazo }).lazo = lazo;
    for (const call of Array.from(queued)) lazo(...(Array.from(call) as [keyof Lazo, ...unknown[]]));
  } catch {
    // never break the page
  }
});
