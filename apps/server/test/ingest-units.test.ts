import { describe, expect, it } from 'vitest';
import { correctTimestamp } from '../src/ingest/clock.js';
import { assignSession, type SessionState } from '../src/ingest/sessions.js';
import { parseUserAgent } from '../src/ingest/user-agent.js';

const received = new Date('2026-05-01T12:00:00.000Z');

describe('correctTimestamp', () => {
  it.each([
    ['no timestamp → receive time', undefined, undefined, '2026-05-01T12:00:00.000Z'],
    ['device clock 2 h behind: keeps the 5 s gap to sentAt', '2026-05-01T09:59:50.000Z', '2026-05-01T09:59:55.000Z', '2026-05-01T11:59:55.000Z'],
    ['device clock 1 day ahead', '2026-05-02T12:00:00.000Z', '2026-05-02T12:00:30.000Z', '2026-05-01T11:59:30.000Z'],
    ['no sentAt: a backend importing history is trusted', '2025-01-01T00:00:00.000Z', undefined, '2025-01-01T00:00:00.000Z'],
    ['no sentAt and in the future: clamped to receive time', '2027-01-01T00:00:00.000Z', undefined, '2026-05-01T12:00:00.000Z'],
    ['timestamp after sentAt (queued then clock fixed): clamped', '2026-05-01T12:00:10.000Z', '2026-05-01T12:00:00.000Z', '2026-05-01T12:00:00.000Z'],
    ['unparseable sentAt: timestamp trusted', '2026-05-01T11:00:00.000Z', 'yesterday', '2026-05-01T11:00:00.000Z'],
  ])('%s', (_label, timestamp, sentAt, expected) => {
    expect(correctTimestamp(received, timestamp, sentAt).toISOString()).toBe(expected);
  });
});

describe('assignSession', () => {
  const t0 = Date.parse('2026-05-01T10:00:00Z');
  const min = 60_000;
  // Each case: a sequence of (minutes after t0, campaign key) and which of them open a new visit.
  it.each([
    ['one visit while active', [[0, ''], [10, ''], [39, '']], [true, false, false]],
    ['30 idle minutes start a new visit', [[0, ''], [29, ''], [59, '']], [true, false, true]],
    ['a new campaign starts a new visit', [[0, 'google|cpc|a'], [5, 'google|cpc|b']], [true, true]],
    ['the same campaign again continues it', [[0, 'google|cpc|a'], [5, 'google|cpc|a']], [true, false]],
    ['no campaign continues a campaign visit', [[0, 'google|cpc|a'], [5, '']], [true, false]],
  ] as const)('%s', (_label, steps, opens) => {
    const known = new Map<string, SessionState>();
    const ids: string[] = [];
    const opened = steps.map(([minutes, campaignKey]) => {
      const id = assignSession(known, { visitorKey: 'a1', at: t0 + minutes * min, campaignKey });
      const isNew = !ids.includes(id);
      ids.push(id);
      return isNew;
    });
    expect(opened).toEqual(opens);
  });

  it('continues the visit known from the database, and derives the same id on any server', () => {
    const known = new Map<string, SessionState>([['a1', { sessionId: 'db-visit', lastSeenAt: t0, campaignKey: '' }]]);
    expect(assignSession(known, { visitorKey: 'a1', at: t0 + 5 * min, campaignKey: '' })).toBe('db-visit');
    const a = assignSession(new Map(), { visitorKey: 'a2', at: t0, campaignKey: '' });
    const b = assignSession(new Map(), { visitorKey: 'a2', at: t0, campaignKey: '' });
    expect(a).toBe(b);
  });
});

describe('parseUserAgent', () => {
  it.each([
    ['Chrome on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', { browser: 'Chrome', os: 'Windows', deviceType: 'desktop', isBot: false }],
    ['Safari on iPhone', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', { browser: 'Mobile Safari', os: 'iOS', deviceType: 'mobile', isBot: false }],
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', { isBot: true }],
    ['headless Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36', { isBot: true }],
    ['curl', 'curl/8.5.0', { isBot: true }],
    ['facebook link preview', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', { isBot: true }],
  ])('%s', (_label, ua, expected) => {
    expect(parseUserAgent(ua)).toMatchObject(expected);
  });

  it('keeps nothing when there is no user agent', () => {
    expect(parseUserAgent(undefined)).toEqual({ browser: null, browserVersion: null, os: null, osVersion: null, deviceType: null, isBot: false });
  });
});
