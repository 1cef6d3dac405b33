import type { ConsentInput, ConsentState } from './types.js';

/**
 * The state at load. `gpc`: the browser sends Global Privacy Control and the site honours it.
 * `remembered`: consent was granted on an earlier page — the id cookie exists, and it is only ever
 * written with consent (withdrawing deletes it). Any mode but `granted` is `required`.
 */
export const initialConsent = (mode: 'required' | 'granted' | undefined, gpc: unknown, remembered: boolean): ConsentState =>
  gpc ? 'denied' : mode == 'granted' || remembered ? 'granted' : 'pending';

/**
 * The next consent state. Unknown input leaves the state as it is; under an honoured GPC signal a grant
 * stays a denial (the browser said no for every site, a banner click does not outrank it).
 */
export function consentReducer(state: ConsentState, input: ConsentInput | undefined, gpc: unknown): ConsentState {
  const value = (input as { analytics_storage?: ConsentState })?.analytics_storage ?? input;
  return value != 'granted' && value != 'denied' ? state : gpc ? 'denied' : value;
}
