import type { ConsentInput, ConsentState } from './types.js';

/**
 * The state at load. `gpc`: the browser sends Global Privacy Control and the site honours it.
 * `remembered`: consent was granted on an earlier page — the id cookie exists, and it is only ever
 * written with consent (withdrawing deletes it).
 */
export function initialConsent(mode: 'required' | 'granted', gpc: boolean, remembered: boolean): ConsentState {
  if (gpc) return 'denied';
  return mode === 'granted' || remembered ? 'granted' : 'pending';
}

/**
 * The next consent state. Unknown input leaves the state as it is; under an honoured GPC signal a grant
 * stays a denial (the browser said no for every site, a banner click does not outrank it).
 */
export function consentReducer(state: ConsentState, input: ConsentInput | undefined, gpc: boolean): ConsentState {
  const value = (input as { analytics_storage?: string })?.analytics_storage ?? input;
  if (value !== 'granted' && value !== 'denied') return state;
  return gpc ? 'denied' : value;
}
