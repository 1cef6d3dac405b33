import { guard } from './guard.js';
import { init, type Lazo, type LazoOptions } from './index.js';

type Call = [keyof Lazo, ...unknown[]];

/**
 * The script-tag build. Options come from the tag's data attributes (`data-key`, `data-consent`,
 * `data-cookie-domain` …; "false" is false, an empty attribute true, digits a number); calls queued by the stub in
 * `window.lazo.q` (an array of `arguments` objects) are replayed in order. The only global is `lazo`.
 */
const script = document.currentScript as HTMLScriptElement; // only readable while the script runs
const w = window as unknown as { lazo?: ((...call: Call) => unknown) & { q?: Iterable<unknown>[] } };
// The work (first cookie and localStorage access, both synchronous round trips to the browser process)
// runs in a task of its own, after this one: the script's evaluation stays off the critical path.
setTimeout(
  // never break the page
  guard(() => {
    const options: Record<string, unknown> = { host: new URL(script.src).origin };
    for (const [name, value] of Object.entries(script.dataset))
      options[name] = value == 'false' ? false : !value || (+value >= 0 ? +value : value);
    const queued = w.lazo?.q ?? [];
    const api = init(options as unknown as LazoOptions);
    const lazo = (w.lazo = (method, ...args) => (api[method] as ((...a: unknown[]) => unknown) | undefined)?.(...args));
    for (const call of queued) lazo(...(call as Call));
  }),
);
