import { describe, expect, it } from 'vitest';
import { consentReducer, initialConsent } from '../src/consent.js';
import type { ConsentInput, ConsentState } from '../src/types.js';

describe('initialConsent', () => {
  it.each([
    ['required', false, false, 'pending'],
    ['required', false, true, 'granted'],
    ['granted', false, false, 'granted'],
    ['granted', true, false, 'denied'],
    ['required', true, true, 'denied'],
  ] as const)('mode %s, gpc %s, remembered %s → %s', (mode, gpc, remembered, expected) => {
    expect(initialConsent(mode, gpc, remembered)).toBe(expected);
  });
});

describe('consentReducer', () => {
  const cases: [ConsentState, ConsentInput | undefined, boolean, ConsentState][] = [
    ['pending', 'granted', false, 'granted'],
    ['pending', 'denied', false, 'denied'],
    ['granted', 'denied', false, 'denied'],
    ['denied', 'granted', false, 'granted'],
    ['pending', { analytics_storage: 'granted' }, false, 'granted'],
    ['granted', { analytics_storage: 'denied' }, false, 'denied'],
    ['pending', {}, false, 'pending'],
    ['granted', undefined, false, 'granted'],
    ['pending', 'yes' as ConsentInput, false, 'pending'],
    ['pending', null as unknown as ConsentInput, false, 'pending'],
    // an honoured GPC signal is a denial a banner click does not lift
    ['denied', 'granted', true, 'denied'],
    ['denied', { analytics_storage: 'granted' }, true, 'denied'],
  ];
  it.each(cases)('%s + %j (gpc %s) → %s', (state, input, gpc, expected) => {
    expect(consentReducer(state, input, gpc)).toBe(expected);
  });
});
