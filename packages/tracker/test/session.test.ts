import { SESSION_IDLE_MS } from '@lazo/protocol/limits';
import { describe, expect, it } from 'vitest';
import { firstTouchOf, nextSession, type Touch } from '../src/session.js';
import type { Session } from '../src/types.js';
import { counter } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const ads = { source: 'google', medium: 'cpc', name: 'spring' };
const newsletter = { source: 'nl', medium: 'email' };
const live: Session = { id: 's0', at: T0, campaign: ads, referrer: 'https://www.google.com/' };

describe('nextSession', () => {
  it.each<[string, Session | undefined, number, Touch, 'new' | 'same']>([
    ['no session yet → new', undefined, T0, {}, 'new'],
    ['activity within 30 min → same', live, T0 + SESSION_IDLE_MS, {}, 'same'],
    ['30 min + 1 ms idle → new', live, T0 + SESSION_IDLE_MS + 1, {}, 'new'],
    ['same campaign again (reload of the landing page) → same', live, T0 + 1000, { campaign: { ...ads } }, 'same'],
    ['another campaign → new', live, T0 + 1000, { campaign: newsletter }, 'new'],
    ['a referrer alone (back from a payment page) → same', live, T0 + 1000, { referrer: 'https://pay.example/' }, 'same'],
  ])('%s', (_name, previous, now, touch, expected) => {
    const next = nextSession(previous, now, touch, counter('s'));
    expect(next.at).toBe(now);
    if (expected === 'same') expect(next).toEqual({ ...live, at: now });
    else expect(next).toEqual({ ...touch, id: 's1', at: now });
  });

  it('honours a custom idle timeout', () => {
    expect(nextSession(live, T0 + 11, {}, counter('s'), 10).id).toBe('s1');
  });
});

describe('firstTouchOf', () => {
  it('is the touch of the session, where it landed and when', () => {
    expect(firstTouchOf(live, 'https://shop.example/?utm_source=google')).toEqual({
      id: 's0',
      campaign: ads,
      referrer: 'https://www.google.com/',
      landingUrl: 'https://shop.example/?utm_source=google',
      at: '2026-01-01T00:00:00.000Z',
    });
  });
});
