import { describe, expect, it } from 'vitest';
import { classifyChannel, collectDemoData, deriveTouch, generateDemoData, type DemoDataOptions } from '../src/index.js';

const DAY = 24 * 60 * 60 * 1000;
const options: DemoDataOptions = { seed: 11, persons: 3000, sessions: 12_000, days: 60, endDate: '2025-03-31', leads: 600, customers: 240 };
const data = collectDemoData(options);
const windowStart = Date.parse('2025-03-31T00:00:00Z') - 59 * DAY;
const windowEnd = Date.parse('2025-04-01T00:00:00Z');

describe('generateDemoData: determinism and chunks', () => {
  it('gives identical output for the same seed, and different output for another', () => {
    const small = { ...options, persons: 200, sessions: 800, leads: 40, customers: 15 };
    expect(collectDemoData(small)).toEqual(collectDemoData(small));
    expect(collectDemoData({ ...small, seed: 12 }).sessions[0]).not.toEqual(collectDemoData(small).sessions[0]);
  });

  it('does not depend on the chunk size', () => {
    const small = { ...options, persons: 200, sessions: 800, leads: 40, customers: 15 };
    expect(collectDemoData({ ...small, chunkSize: 7 })).toEqual(collectDemoData({ ...small, chunkSize: 1000 }));
  });

  it('yields chunks of at most chunkSize persons, with all spend in the last', () => {
    const chunks = [...generateDemoData({ ...options, chunkSize: 700 })];
    expect(chunks.map((c) => c.persons.length)).toEqual([700, 700, 700, 700, 200]);
    expect(chunks.slice(0, -1).every((c) => c.spend.length === 0)).toBe(true);
    expect(chunks.at(-1)!.spend.length).toBeGreaterThan(0);
    // A chunk holds whole persons: every record in it belongs to one of its persons.
    for (const chunk of chunks) {
      const keys = new Set(chunk.persons.map((p) => p.key));
      for (const list of [chunk.sessions, chunk.identifies, chunk.tracks, chunk.offlineTouches, chunk.conversions]) {
        expect(list.every((r) => keys.has(r.personKey))).toBe(true);
      }
    }
  });

  it('rejects impossible options', () => {
    expect(() => collectDemoData({ endDate: '2025-01-01', persons: 10, leads: 5, customers: 6 })).toThrow(/customers ≤ leads ≤ persons/);
    expect(() => collectDemoData({ endDate: 'yesterday' })).toThrow(/endDate/);
    expect(() => collectDemoData({ endDate: '2025-01-01', days: 0 })).toThrow(/days/);
    expect(() => collectDemoData({ endDate: '2025-01-01', chunkSize: 0 })).toThrow(/chunkSize/);
  });
});

describe('generateDemoData: the data set', () => {
  const personsByKey = new Map(data.persons.map((p) => [p.key, p]));

  it('has the requested persons, leads and customers, and about the requested sessions', () => {
    expect(data.persons).toHaveLength(3000);
    expect(data.persons.filter((p) => p.email).length).toBe(600);
    expect(data.persons.filter((p) => p.stage === 'customer').length).toBe(240);
    expect(data.conversions).toHaveLength(240);
    expect(Math.abs(data.sessions.length - 12_000) / 12_000).toBeLessThan(0.1);
  });

  it('gives some persons 2 or 3 browsers, and only their own', () => {
    const counts = data.persons.map((p) => p.anonymousIds.length);
    expect(counts.filter((n) => n === 2).length).toBeGreaterThan(300);
    expect(counts.filter((n) => n === 3).length).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBe(3);
    for (const s of data.sessions) expect(personsByKey.get(s.personKey)!.anonymousIds).toContain(s.anonymousId);
  });

  it('uses unique ids', () => {
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    expect(unique(data.sessions.map((s) => s.sessionId))).toBe(true);
    expect(unique(data.persons.flatMap((p) => p.anonymousIds))).toBe(true);
    expect(unique(data.conversions.map((c) => c.conversionId))).toBe(true);
    expect(unique(data.persons.flatMap((p) => (p.email ? [p.email] : [])))).toBe(true);
    expect(data.sessions[0]!.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps every time inside the window and every visit in order', () => {
    for (const s of data.sessions) {
      expect(s.startedAt).toBeGreaterThanOrEqual(windowStart);
      expect(s.endedAt).toBeLessThan(windowEnd);
      expect(s.pageviews[0]!.at).toBe(s.startedAt);
      expect(s.pageviews.every((p, i) => i === 0 || p.at >= s.pageviews[i - 1]!.at)).toBe(true);
      expect(s.endedAt).toBeGreaterThanOrEqual(s.pageviews.at(-1)!.at);
    }
    for (const r of [...data.identifies, ...data.tracks, ...data.offlineTouches]) expect(r.at).toBeLessThan(windowEnd);
    for (const c of data.conversions) expect(c.occurredAt).toBeLessThan(windowEnd);
  });

  it('derives each session touch the way the server will', () => {
    for (const s of data.sessions.slice(0, 2000)) {
      const derived = deriveTouch({ utm: s.campaign, clickIds: s.campaign, referrer: s.referrer, pageHost: 'www.summitgear.example' });
      expect(s.touch).toEqual({ ...derived, channel: classifyChannel(derived) });
      expect(s.landingUrl).toContain(s.landingPath);
      if (s.campaign?.source) expect(s.landingUrl).toContain(`utm_source=${s.campaign.source}`);
    }
  });

  it('spreads sessions over many channels with different volumes, product pages included', () => {
    const byChannel = new Map<string, number>();
    for (const s of data.sessions) byChannel.set(s.touch.channel, (byChannel.get(s.touch.channel) ?? 0) + 1);
    for (const channel of ['Organic Search', 'Direct', 'Paid Search', 'Paid Social', 'Paid Shopping', 'Email', 'Referral', 'Display', 'Organic Social', 'Affiliates', 'Paid Video']) {
      expect(byChannel.get(channel), channel).toBeGreaterThan(0);
    }
    expect(byChannel.get('Organic Search')!).toBeGreaterThan(byChannel.get('Display')! * 3);
    expect(data.sessions.some((s) => s.pageviews.some((p) => /^\/products\/[a-z0-9-]+$/.test(p.path)))).toBe(true);
    expect(data.sessions.filter((s) => s.touch.medium === 'cpc' && s.touch.source === 'google').map((s) => s.touch.campaign)).toContain('generic_search');
  });

  it('identifies every lead in a browser, with an email and for some a userId', () => {
    const leads = data.persons.filter((p) => p.email);
    const identified = new Set(data.identifies.filter((i) => !i.verified).map((i) => i.personKey));
    expect(leads.every((p) => identified.has(p.key))).toBe(true);
    const leadOnly = leads.filter((p) => p.stage === 'lead');
    expect(leadOnly.some((p) => p.userId)).toBe(true);
    expect(leadOnly.some((p) => !p.userId)).toBe(true);
    expect(data.tracks.filter((t) => t.event === 'Form Submitted')).toHaveLength(leads.length);
    // Backend identifies (the CRM assigning a userId on purchase) carry no browser.
    for (const i of data.identifies.filter((x) => x.verified)) expect(i.anonymousId).toBeUndefined();
  });

  it('links a later browser of a lead by a second identify', () => {
    const identifiesPerPerson = new Map<string, Set<string>>();
    for (const i of data.identifies) if (i.anonymousId) identifiesPerPerson.set(i.personKey, (identifiesPerPerson.get(i.personKey) ?? new Set()).add(i.anonymousId));
    expect([...identifiesPerPerson.values()].some((ids) => ids.size > 1)).toBe(true);
  });

  it('has customers buying online and offline after a call', () => {
    for (const c of data.conversions) {
      const person = personsByKey.get(c.personKey)!;
      expect(person.stage).toBe('customer');
      expect(c.userId).toBe(person.userId);
      expect(c.value).toBeGreaterThan(0);
      expect(c.currency).toBe('EUR');
    }
    const offline = data.conversions.filter((c) => c.channel === 'callcenter');
    expect(offline.length).toBeGreaterThan(10);
    expect(offline.length).toBeLessThan(data.conversions.length / 2);
    for (const c of offline) {
      const call = data.offlineTouches.find((t) => t.personKey === c.personKey)!;
      expect(call).toMatchObject({ source: 'callcenter', medium: 'phone' });
      expect(call.at).toBeLessThan(c.occurredAt);
    }
    const sessionsById = new Map(data.sessions.map((s) => [s.sessionId, s]));
    for (const c of data.conversions.filter((x) => !x.channel)) {
      expect(sessionsById.get(c.sessionId!)!.pageviews.at(-1)).toMatchObject({ path: '/checkout/complete', at: c.occurredAt });
    }
  });

  it('has NPS answers from some customers, 0 to 10', () => {
    const nps = data.tracks.filter((t) => t.event === 'NPS Submitted');
    expect(nps.length).toBeGreaterThan(20);
    for (const t of nps) {
      expect(Number.isInteger(t.properties.score) && (t.properties.score as number) >= 0 && (t.properties.score as number) <= 10).toBe(true);
      expect(personsByKey.get(t.personKey)!.stage).toBe('customer');
    }
  });

  it('has daily spend per paid campaign, matching its clicks at different CPCs', () => {
    const clicks = new Map<string, number>();
    for (const s of data.sessions) {
      const key = `${s.touch.source}/${s.touch.medium}/${s.touch.campaign}`;
      clicks.set(key, (clicks.get(key) ?? 0) + 1);
    }
    const spend = new Map<string, number>();
    for (const r of data.spend) {
      expect(r.currency).toBe('EUR');
      expect(r.amount).toBeGreaterThan(0);
      expect(Date.parse(`${r.date}T00:00:00Z`)).toBeGreaterThanOrEqual(windowStart);
      expect(Date.parse(`${r.date}T00:00:00Z`)).toBeLessThan(windowEnd);
      const key = `${r.source}/${r.medium}/${r.campaign}`;
      spend.set(key, (spend.get(key) ?? 0) + r.amount);
    }
    const cpc = (key: string) => spend.get(key)! / clicks.get(key)!;
    expect(cpc('google/cpc/brand_search')).toBeCloseTo(0.45, 1);
    expect(cpc('linkedin/paid_social/team_outfitting')).toBeGreaterThan(3.5);
    expect(cpc('google/cpc/generic_search')).toBeGreaterThan(cpc('google/cpc/brand_search') * 3);
    // Organic, email and referral traffic costs nothing.
    expect([...spend.keys()].some((k) => k.includes('organic') || k.includes('email') || k.includes('referral'))).toBe(false);
  });
});
