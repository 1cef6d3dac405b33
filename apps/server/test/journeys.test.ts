import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute, classifyChannel, creditedTouches, tallyJourneys, type CreditedTouches, type Journey, type MarkovTallies, type ModelName, type Touch } from '@lazo/attribution';
import { loadJourneySets, loadJourneys, loadMarkovTallies, loadMarkovTalliesWithCounts, loadTouchKinds, markovNullRows, type JourneyQuery, type NullRow } from '../src/store/journeys.js';
import { openPostgres, type Db } from '../src/store/db.js';
import { resolvePendingSessions } from '../src/store/session-persons.js';
import { seedDemoData } from '../src/store/demo-seed.js';
import { sessionCounts, sessionCountsOfKinds, timeseries } from '../src/store/reports.js';
import { createGrouping } from '../src/reports/grouping.js';
import { DIMENSIONS } from '../src/reports/params.js';
import type { CreatedSite } from '../src/store/sites.js';
import { engines, postgresUrl } from './helpers/engines.js';
import { T0, identify, page, personsApi } from './helpers/persons-api.js';
import { basic, createTestApp, type TestApp } from './helpers/test-server.js';
import { iso, m } from './reports-scenario.js';

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const JUNE = { from: new Date('2025-06-01T00:00:00Z'), to: new Date('2025-07-01T00:00:00Z') };
const google = { source: 'google', medium: 'cpc', name: 'brand' };
const mail = { source: 'newsletter', medium: 'email', name: 'weekly' };

/**
 * Markov's tallies as readable lines ('from > to ×weight', sorted), a touch named by `name`: a pair may come
 * in several rows (the store splits them by how the path ended), and equal touches may be several objects,
 * so lines are summed.
 */
function tallyLines(tally: MarkovTallies, name: (touch: Touch) => string): string[] {
  const of = (i: number) => name(tally.touches[i]!);
  const sum = new Map<string, number>();
  const add = (line: string, weight: number) => weight > 0 && sum.set(line, (sum.get(line) ?? 0) + weight);
  for (const [to, w] of tally.starts) add(`(start) > ${of(to)}`, w);
  for (const [from, to, w] of tally.transitions) add(`${of(from)} > ${of(to)}`, w);
  for (const [from, conversions, nulls] of tally.ends) {
    add(`${of(from)} > (conversion)`, conversions);
    add(`${of(from)} > (null)`, nulls);
  }
  return [...sum].map(([line, w]) => `${line} ×${w}`).sort();
}

describe.each(engines)('journeys from the store on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t?.close());

  const send = (site: CreatedSite, batch: unknown[]) => personsApi(t, site).send(batch);
  const buy = async (site: CreatedSite, conversionId: string, userId: string, minutes: number, value: number, type = 'customer') => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/conversions', headers: { authorization: basic(site.secretKey) }, payload: { conversionId, userId, type, value, occurredAt: iso(minutes) } });
    expect(res.statusCode).toBe(200);
  };
  /** Journeys as [channels, conversions, value, nulls], in a stable order (arrays sort as their text). */
  const journeys = async (site: CreatedSite, q: Partial<JourneyQuery> = {}) => {
    // As a report does before it reads: sessions written since are resolved to their persons.
    await resolvePendingSessions(t.db, site.siteId);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map((kind) => ({ kind, touch: { channel: classifyChannel(kind) } }));
    const loaded = await loadJourneys(t.db, { siteId: site.siteId, ...JUNE, conversion: 'customer', lookbackDays: 90, kinds, ...q });
    return loaded.map((j) => [j.touches.map((x) => x.channel).join(' > '), j.conversions, j.value ?? 0, j.nulls ?? 0]).sort();
  };

  it('starts a repeat purchase after the previous one: old touches are not credited twice', async () => {
    const site = await t.newSite();
    await send(site, [page('x1', m(0), { session: 's1', campaign: google }), identify('x1', 'u-x', {}, m(0, 1), 's1')]);
    await send(site, [page('x1', m(2), { session: 's2', campaign: mail }), page('x1', m(5), { session: 's3' })]);
    await buy(site, 'first', 'u-x', m(3), 50);
    await buy(site, 'second', 'u-x', m(6), 70);
    expect(await journeys(site)).toEqual([
      ['Direct', 1, 70, 0],
      ['Paid Search > Email', 1, 50, 0],
    ]);
    // With times (time_decay): one journey per conversion, each touch's start in `times`.
    await resolvePendingSessions(t.db, site.siteId);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map((kind) => ({ kind, touch: { channel: classifyChannel(kind) } }));
    const timed = await loadJourneys(t.db, { siteId: site.siteId, ...JUNE, conversion: 'customer', lookbackDays: 90, kinds, withTimes: true });
    expect(timed.map((j) => [j.times, j.at])).toEqual([
      [[Date.parse(iso(m(0))), Date.parse(iso(m(2)))], Date.parse(iso(m(3)))],
      [[Date.parse(iso(m(5)))], Date.parse(iso(m(6)))],
    ]);
  });

  it('splits a shared browser between its two people at the second identify', async () => {
    const site = await t.newSite();
    await send(site, [page('shared', m(0), { session: 's1', campaign: google }), identify('shared', 'u-1', {}, m(0, 1), 's1')]);
    // A visit that starts after the second identify is the second person's.
    await send(site, [identify('shared', 'u-2', {}, m(2)), page('shared', m(2, 5), { session: 's2', campaign: mail })]);
    await buy(site, 'one', 'u-1', m(4), 10);
    await buy(site, 'two', 'u-2', m(4), 20);
    expect(await journeys(site)).toEqual([
      ['Email', 1, 20, 0],
      ['Paid Search', 1, 10, 0],
    ]);
  });

  /** Markov's tallies of a conversion type in June, as lines by channel; and the credited conversions. */
  const tallies = async (site: CreatedSite, conversion = 'customer') => {
    await resolvePendingSessions(t.db, site.siteId);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map((kind) => ({ kind, touch: { channel: classifyChannel(kind) } }));
    const [tally] = await loadMarkovTallies(t.db, { siteId: site.siteId, ...JUNE, conversions: [conversion], lookbackDays: 90, kinds });
    return { lines: tallyLines(tally!, (touch) => touch.channel), credited: tally!.conversions, value: tally!.value, uncredited: tally!.uncredited };
  };

  it('counts paths that led nowhere, without the persons who were leads before the window', async () => {
    const site = await t.newSite();
    // An old lead (identified in May) visits in June; an anonymous visitor twice; a new lead in June.
    await send(site, [page('old', m(-10), { session: 'o1' }), identify('old', 'u-old', {}, m(-10, 1), 'o1'), page('old', m(3), { session: 'o2', campaign: mail })]);
    await send(site, [page('anon', m(1), { session: 'a1', campaign: google }), page('anon', m(2), { session: 'a2' })]);
    await send(site, [page('new', m(4), { session: 'n1', campaign: google }), identify('new', 'u-new', {}, m(4, 1), 'n1')]);
    // Paths: Paid Search > Direct (anonymous, no lead) and Paid Search (the new lead).
    expect(await tallies(site, 'lead')).toEqual({
      lines: ['(start) > Paid Search ×2', 'Direct > (null) ×1', 'Paid Search > (conversion) ×1', 'Paid Search > Direct ×1'],
      credited: 1,
      value: 0,
      uncredited: { conversions: 0, value: 0 },
    });
    // For purchases nobody is settled: the old lead's June visit (Email), the anonymous visitor's two and the
    // new lead's one are paths that did not convert.
    expect(await tallies(site)).toEqual({
      lines: ['(start) > Email ×1', '(start) > Paid Search ×2', 'Direct > (null) ×1', 'Email > (null) ×1', 'Paid Search > (null) ×1', 'Paid Search > Direct ×1'],
      credited: 0,
      value: 0,
      uncredited: { conversions: 0, value: 0 },
    });
  });

  // `customer` (the kept type) is counted from the conversion moments its touches carry (migration 0008),
  // `sale` by probing each conversion's journey: the two must split journeys alike.
  it.each(['customer', 'sale'])('splits a journey at its %s conversions for Markov: lookback, repeat purchases, one instant, touches after the last one', async (type) => {
    const site = await t.newSite();
    // x: Paid Search, buys (10); Email, Direct, buys again (70, and 3 at the same instant); a later visit.
    await send(site, [page('x1', m(0), { session: 's1', campaign: google }), identify('x1', 'u-x', {}, m(0, 1), 's1')]);
    await send(site, [page('x1', m(2), { session: 's2', campaign: mail }), page('x1', m(5), { session: 's3' }), page('x1', m(8), { session: 's4', campaign: mail })]);
    await buy(site, 'first', 'u-x', m(1), 10, type);
    await buy(site, 'second', 'u-x', m(6), 70, type);
    await buy(site, 'twin', 'u-x', m(6), 3, type);
    // y buys with no visit at all: a conversion no touch can be credited with.
    await buy(site, 'third', 'u-y', m(7), 5, type);
    // A purchase of the other type changes neither.
    await buy(site, 'other', 'u-x', m(3), 1000, type === 'customer' ? 'sale' : 'customer');
    expect(await tallies(site, type)).toEqual({
      // Journeys: [Paid Search] → first, [Email > Direct] → second (twin, after it by id at the same instant,
      // has no touch left); the visit after the last purchase belongs to no journey (x converted in the
      // window, so it is not a null path either).
      lines: ['(start) > Email ×1', '(start) > Paid Search ×1', 'Direct > (conversion) ×1', 'Email > Direct ×1', 'Paid Search > (conversion) ×1'],
      credited: 2,
      value: 80,
      uncredited: { conversions: 2, value: 8 },
    });
  });

  /** `t.db` with its sessions in `timeZone` (PGlite has one session; PostgreSQL is opened again with the setting). */
  const inTimeZone = async <T>(timeZone: string, fn: (db: Db) => Promise<T>): Promise<T> => {
    if (engine === 'pglite') {
      await t.db.exec(`set timezone to '${timeZone}'`);
      try {
        return await fn(t.db);
      } finally {
        await t.db.exec('reset timezone');
      }
    }
    const db = await openPostgres(`${postgresUrl}${postgresUrl!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c TimeZone=${timeZone}`)}`, { max: 1 });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  it("counts a lookback in days of 24 hours, whatever the database session's time zone", async () => {
    const site = await t.newSite();
    // Identified and buying on 10 November, after Berlin left summer time (26 October): 30 calendar days
    // there reach an hour further back than 30 days of 24 hours.
    const lead = Date.parse('2025-11-10T09:00:00Z');
    const start = lead - 30 * 86_400_000;
    const minutes = (at: number) => (at - T0) / 60_000;
    await send(site, [
      page('x', minutes(start - 20 * 60_000), { session: 's1', campaign: google }),
      page('x', minutes(start + 20 * 60_000), { session: 's2', campaign: mail }),
      page('x', minutes(lead), { session: 's3' }),
      identify('x', 'u-x', {}, minutes(lead), 's3'),
    ]);
    await buy(site, 'order', 'u-x', minutes(lead), 40);
    await resolvePendingSessions(t.db, site.siteId);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map((kind) => ({ kind, touch: { channel: classifyChannel(kind) } }));
    const query = { siteId: site.siteId, from: new Date('2025-11-01T00:00:00Z'), to: new Date('2025-12-01T00:00:00Z'), conversions: ['lead', 'customer'], lookbackDays: 30, kinds };
    const paths = await inTimeZone('Europe/Berlin', async (db) => {
      expect((await db.query<{ tz: string }>('select current_setting($1) as tz', ['TimeZone'])).rows[0]!.tz).toBe('Europe/Berlin');
      return (await loadJourneySets(db, query)).map((set) => set.map((j) => j.touches.map((x) => x.channel).join(' > ')));
    });
    expect(paths).toEqual([['Email > Direct'], ['Email > Direct']]);
  });
});

describe.each(engines)('demo journeys on %s', (engine) => {
  let t: TestApp;
  let site: CreatedSite;
  beforeAll(async () => {
    t = await createTestApp(engine);
    site = await t.newSite();
    await seedDemoData(t.db, site.siteId, { persons: 300, endDate: '2025-06-30', days: 60 });
    await resolvePendingSessions(t.db, site.siteId);
  });
  afterAll(() => t?.close());

  // The fast count (a journey's first touch of a group in the window is one whose previous touch in that
  // group came before it, migration 0005) against the hash of the window's (visitor, group) pairs.
  it('counts each dimension from previous-in-group days exactly as hashing (visitor, group) pairs does', async () => {
    const grouping = createGrouping(['channel'], []);
    const stored = await loadTouchKinds(t.db, site.siteId);
    for (const window of [
      { siteId: site.siteId, start: new Date('2025-05-01T00:00:00Z'), end: new Date('2025-07-01T00:00:00Z') },
      // Starting mid-way (a Tuesday): journeys' earlier touches, some of the same week, are before the window.
      { siteId: site.siteId, start: new Date('2025-06-10T00:00:00Z'), end: new Date('2025-06-20T00:00:00Z') },
    ]) {
      for (const dim of DIMENSIONS) {
        const values = stored.map((kind) => (dim === 'channel' ? grouping.channelOf(kind) : grouping.valueOf(kind, dim)));
        const groups = [...new Set(values)];
        const kinds = stored.map((kind, i) => ({ kind, gid: groups.indexOf(values[i]!) }));
        const hashed = await sessionCounts(t.db, window, kinds);
        const fast = await sessionCounts(t.db, window, kinds, dim);
        expect(hashed.total.visitors).toBeGreaterThan(0);
        expect({ dim, ...fast, groups: [...fast.groups].sort() }).toEqual({ dim, ...hashed, groups: [...hashed.groups].sort() });
        // The funnel under Markov counts them in its pass over the paths that led nowhere.
        const markov = { siteId: site.siteId, from: window.start, to: window.end, conversions: ['lead', 'customer'], lookbackDays: 30 };
        const { counts } = await loadMarkovTalliesWithCounts(t.db, { ...markov, kinds: stored.map((kind, i) => ({ kind, touch: { channel: values[i]! } })) }, dim);
        const fused = sessionCountsOfKinds(counts, kinds);
        expect({ dim, ...fused, groups: [...fused.groups].sort() }).toEqual({ dim, ...hashed, groups: [...hashed.groups].sort() });
      }
      // Visitors per day and per ISO week (the window's first week may be partial) against distinct counts.
      const { rows } = await t.db.query<{ visitor: string; day: string }>(
        `select visitor::text, day::text from touches where site_id = $1 and started_at >= $2 and started_at < $3`,
        [site.siteId, window.start, window.end],
      );
      const monday = (day: string) => {
        const d = new Date(`${day}T00:00:00Z`);
        return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
      };
      for (const interval of ['day', 'week'] as const) {
        const expected = new Map<string, Set<string>>();
        for (const r of rows) {
          const bucket = interval === 'day' ? r.day : monday(r.day);
          expected.set(bucket, (expected.get(bucket) ?? new Set()).add(r.visitor));
        }
        const series = await timeseries(t.db, window, interval, 'customer');
        expect(Object.fromEntries(series.filter((b) => b.sessions > 0).map((b) => [b.date, b.visitors]))).toEqual(
          Object.fromEntries([...expected].map(([bucket, visitors]) => [bucket, visitors.size])),
        );
      }
    }
  });

  // The pass over the window's touches groups them sorted (touches_pass_idx) and a range of leads is read by
  // one process, each by a planner setting of its transaction: a branch that runs in turn on the report's
  // own transaction (PGlite, or a pool without a free connection) must hand it back as it found it. (A
  // window of whole UTC days holding every touch is summed from touch_tallies, without either: this one
  // holds every touch but starts at 06:00.)
  it('leaves the planner settings of the transaction it reads in as they were', async () => {
    const grouping = createGrouping(['channel'], []);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map(grouping.group);
    const query = { siteId: site.siteId, from: new Date('2025-04-01T06:00:00Z'), to: new Date('2025-07-01T00:00:00Z'), kinds };
    await t.db.transaction(async (tx) => {
      const settings = async () =>
        (await tx.query(`select current_setting('enable_hashagg') as hash, current_setting('max_parallel_workers_per_gather') as workers`)).rows[0];
      const before = await settings();
      expect(before).toEqual({ hash: 'on', workers: expect.any(String) });
      const { counts } = await loadMarkovTalliesWithCounts(tx, { ...query, conversions: ['lead', 'customer'], lookbackDays: 30 }, 'channel');
      expect(counts.length).toBeGreaterThan(0);
      expect(await settings()).toEqual(before);
    });
  });

  // A window of whole UTC days is counted from touch_tallies (migration 0011) and the touches that cross its
  // edges; it must count what the pass over each of its touches counts, for windows that cut journeys, their
  // groups, leads and purchases at either end, for one type or both and for every dimension.
  it('counts the pass from the days\' tallies and the touches crossing the window as from each touch', async () => {
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map((kind) => ({ kind, touch: { channel: classifyChannel(kind) } }));
    const sorted = (rows: NullRow[]) =>
      rows
        .map((r) => ({ ...r, sessions: Number(r.sessions), starts: Number(r.starts), group_visitors: Number(r.group_visitors ?? 0), kept: r.kept.map(Number) }))
        .filter((r) => r.sessions !== 0 || r.starts !== 0 || r.group_visitors !== 0 || r.kept.some((k) => k !== 0))
        .sort((a, b) => (a.prev_kind_id ?? 0) - (b.prev_kind_id ?? 0) || a.kind_id - b.kind_id);
    const windows = [
      ['2025-04-01', '2025-08-01'],
      ['2025-05-01', '2025-07-01'],
      ['2025-05-20', '2025-06-10'],
      ['2025-06-10', '2025-06-11'],
      ['2025-06-15', '2025-06-30'],
      ['2025-06-29', '2025-07-01'],
    ];
    let crossed = 0;
    for (const [from, to] of windows) {
      const window = { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T00:00:00Z`) };
      const { rows } = await t.db.query<{ n: number }>(
        `select count(*)::int as n from touches where site_id = $1 and day >= $2::date and day < $3::date
           and (prev_day < $2::date or prev_conv_at < $2 or next_day >= $3::date or lead_at >= $3 or conv_at >= $3)`,
        [site.siteId, from, to],
      );
      crossed += rows[0]!.n;
      for (const conversions of [['lead', 'customer'], ['customer'], ['lead']]) {
        for (const countsBy of [undefined, ...DIMENSIONS]) {
          const query = { siteId: site.siteId, ...window, conversions, lookbackDays: 30, kinds };
          const tallied = await markovNullRows(t.db, query, countsBy, 'tallies');
          const each = await markovNullRows(t.db, query, countsBy, 'touches');
          const label = `${from}–${to} ${conversions.join('+')} ${countsBy ?? '-'}`;
          if (countsBy || conversions.length > 1) expect(sorted(tallied), label).toEqual(sorted(each));
          // With one type and no counts the pass filters the touches the type keeps: its kept counts agree.
          else expect(sorted(tallied).map((r) => [r.prev_kind_id, r.kind_id, r.kept]).filter((r) => (r[2] as number[]).some((k) => k !== 0)), label).toEqual(
            sorted(each).map((r) => [r.prev_kind_id, r.kind_id, r.kept]).filter((r) => (r[2] as number[]).some((k) => k !== 0)),
          );
        }
      }
    }
    // The windows cut journeys: the crossing touches' corrections were needed, not only the days' tallies.
    expect(crossed).toBeGreaterThan(100);
  });

  // Leads are read from the lead moment their touches carry (migration 0006), not by probing: each lead's
  // path must be its person's visits in the lookback before it, as the sessions and persons define it.
  it("reads each lead's path as its person's visits in the lookback, whole or cut to the credited touch", async () => {
    const grouping = createGrouping(['channel', 'campaign'], []);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map(grouping.group);
    const touchOfKind = new Map(kinds.map((k) => [k.kind.id, k.touch]));
    const query = { siteId: site.siteId, from: new Date('2025-05-15T00:00:00Z'), to: new Date('2025-07-01T00:00:00Z'), conversions: ['lead'], lookbackDays: 30, kinds };
    const { rows: leads } = await t.db.query<{ root: string; at: Date }>(
      `select coalesce(merged_into, person_id) as root, min(created_at) as at from persons where site_id = $1 group by 1 having min(created_at) >= $2 and min(created_at) < $3`,
      [site.siteId, query.from, query.to],
    );
    const { rows: visits } = await t.db.query<{ person_id: string; started_at: Date; kind_id: number }>(
      `select person_id, started_at, kind_id from sessions where site_id = $1 and person_id is not null and not is_bot order by started_at, kind_id`,
      [site.siteId],
    );
    const cuts: Record<CreditedTouches, (path: readonly Touch[]) => readonly Touch[]> = {
      all: (path) => path,
      first: (path) => path.slice(0, 1),
      last: (path) => path.slice(-1),
      last_non_direct: (path) => (path.length === 0 ? [] : [path.filter((x) => x.channel !== 'Direct').at(-1) ?? path.at(-1)!]),
    };
    const counted = (paths: ReadonlyArray<readonly Touch[]>) => {
      const byPath = new Map<string, number>();
      for (const path of paths) {
        const key = path.map((x) => grouping.keyOfTouch(x)).join(' > ');
        byPath.set(key, (byPath.get(key) ?? 0) + 1);
      }
      return Object.fromEntries([...byPath].sort());
    };
    const lookbackMs = 30 * 86_400_000;
    const expected = leads.map((l) =>
      visits
        .filter((v) => v.person_id === l.root && v.started_at.getTime() <= l.at.getTime() && v.started_at.getTime() >= l.at.getTime() - lookbackMs)
        .map((v) => touchOfKind.get(v.kind_id)!),
    );
    expect(leads.length).toBeGreaterThan(10);
    expect(expected.filter((path) => path.length > 1).length).toBeGreaterThan(5);
    for (const [reads, cut] of Object.entries(cuts) as Array<[CreditedTouches, (path: readonly Touch[]) => readonly Touch[]]>) {
      const [loaded] = await loadJourneySets(t.db, { ...query, reads });
      const paths = loaded!.flatMap((j) => Array.from({ length: j.conversions }, () => j.touches));
      expect(counted(paths), reads).toEqual(counted(expected.map(cut)));
    }
    // With times (time_decay): each lead with a touch, its moment and its touches' starts.
    const [timed] = await loadJourneySets(t.db, { ...query, withTimes: true });
    const timesOf = (journeys: Array<{ at: number; times: number[] }>) => journeys.map((j) => JSON.stringify([j.at, j.times])).sort();
    expect(timesOf(timed!.filter((j) => j.touches.length > 0).map((j) => ({ at: j.at!, times: [...j.times!] })))).toEqual(
      timesOf(
        leads
          .map((l) => ({
            at: l.at.getTime(),
            times: visits.filter((v) => v.person_id === l.root && v.started_at <= l.at && v.started_at.getTime() >= l.at.getTime() - lookbackMs).map((v) => v.started_at.getTime()),
          }))
          .filter((j) => j.times.length > 0),
      ),
    );
  });

  /** The window's paths that led nowhere: each journey's touches in it, but for the `excluded` journeys. */
  const nullJourneysOfWindow = async (from: Date, to: Date, excluded: ReadonlySet<string>, touchOfKind: ReadonlyMap<number, Touch>): Promise<Journey[]> => {
    const { rows: window } = await t.db.query<{ visitor: string; kind_id: number }>(
      `select visitor::text, kind_id from touches where site_id = $1 and started_at >= $2 and started_at < $3 order by visitor, started_at, kind_id`,
      [site.siteId, from, to],
    );
    const paths = new Map<string, Touch[]>();
    for (const r of window) if (!excluded.has(r.visitor)) paths.set(r.visitor, [...(paths.get(r.visitor) ?? []), touchOfKind.get(r.kind_id)!]);
    return [...paths.values()].map((touches) => ({ touches, conversions: 0, nulls: 1 }));
  };

  // Markov's input for leads is counted in SQL from each touch's neighbours (under the default lookback of
  // 90 days, summed from moment_tallies): it must be what the leads' whole paths and the paths that led
  // nowhere (the window's other journeys, but for the persons who were leads before it) give, told apart
  // here from the persons, not from the touches' lead moment.
  it.each([30, 90])("counts leads' Markov input as their whole paths and the paths that led nowhere give it (lookback of %i days)", async (lookbackDays) => {
    const grouping = createGrouping(['channel'], []);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map(grouping.group);
    const touchOfKind = new Map(kinds.map((k) => [k.kind.id, k.touch]));
    const from = new Date('2025-05-15T00:00:00Z');
    const to = new Date('2025-07-01T00:00:00Z');
    const query = { siteId: site.siteId, from, to, conversions: ['lead'], lookbackDays, kinds };
    const [leadPaths] = await loadJourneySets(t.db, { ...query, reads: 'all' });
    const { rows: leadsBefore } = await t.db.query<{ visitor: string }>(
      `select distinct s.visitor::text from sessions s
       join (select coalesce(merged_into, person_id) as root, min(created_at) as at from persons where site_id = $1 group by 1) l on l.root = s.person_id
       where s.site_id = $1 and l.at < $2`,
      [site.siteId, to],
    );
    const nullJourneys = await nullJourneysOfWindow(from, to, new Set(leadsBefore.map((r) => r.visitor)), touchOfKind);
    expect(nullJourneys.length).toBeGreaterThan(10);
    const lines = (x: MarkovTallies) => ({ lines: tallyLines(x, grouping.keyOfTouch), conversions: x.conversions, uncredited: x.uncredited });
    const [counted] = await loadMarkovTallies(t.db, query);
    expect(lines(counted!)).toEqual(lines(tallyJourneys([...leadPaths!, ...nullJourneys])));
    // The funnel counts leads' and purchases' paths that led nowhere in one pass, grouped by which types keep
    // a touch: each type's input is what it is counted alone.
    const together = await loadMarkovTallies(t.db, { ...query, conversions: ['lead', 'customer'] });
    const [alone] = await loadMarkovTallies(t.db, { ...query, conversions: ['customer'] });
    expect(alone!.conversions).toBeGreaterThan(10);
    expect(together.map(lines)).toEqual([lines(counted!), lines(alone!)]);
    // Counting the window's sessions and visitors in the same pass (the funnel under Markov) changes no tally.
    const withCounts = await loadMarkovTalliesWithCounts(t.db, { ...query, conversions: ['lead', 'customer'] }, 'channel');
    expect(withCounts.tallies.map(lines)).toEqual(together.map(lines));
    const [alsoAlone] = (await loadMarkovTalliesWithCounts(t.db, { ...query, conversions: ['customer'] }, 'channel')).tallies;
    expect(lines(alsoAlone!)).toEqual(lines(alone!));
  });

  // Purchases of the kept type are counted from the conversion moments their touches carry (migration
  // 0008): Markov's input must be what their probed whole paths and the paths that led nowhere give, those
  // told apart by who bought in the window as lazo_conversion_persons assigns conversions, not by the touches.
  it.each([30, 90])("counts purchases' Markov input as their probed paths and the paths that led nowhere give it (lookback of %i days)", async (lookbackDays) => {
    const grouping = createGrouping(['channel', 'campaign'], []);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map(grouping.group);
    const touchOfKind = new Map(kinds.map((k) => [k.kind.id, k.touch]));
    const from = new Date('2025-05-20T00:00:00Z');
    const to = new Date('2025-06-25T00:00:00Z');
    const query = { siteId: site.siteId, from, to, conversions: ['customer'], lookbackDays, kinds };
    // Probed: the conversions listed through the view and each journey read in its lookback.
    const [paths] = await loadJourneySets(t.db, { ...query, reads: 'all' });
    const { rows: buyers } = await t.db.query<{ visitor: string }>(
      `select distinct hashtextextended(coalesce('p:' || resolved_person_id, 'a:' || anonymous_id, 'u:' || user_id), 0)::text as visitor
       from lazo_conversion_persons where site_id = $1 and type = 'customer' and occurred_at >= $2 and occurred_at < $3`,
      [site.siteId, from, to],
    );
    const nullJourneys = await nullJourneysOfWindow(from, to, new Set(buyers.map((r) => r.visitor)), touchOfKind);
    const expected = tallyJourneys([...paths!, ...nullJourneys]);
    const [counted] = await loadMarkovTallies(t.db, query);
    const lines = (x: MarkovTallies) => ({ lines: tallyLines(x, grouping.keyOfTouch), conversions: x.conversions, uncredited: x.uncredited.conversions });
    expect(paths!.filter((j) => j.touches.length > 1).length).toBeGreaterThan(5);
    expect(lines(counted!)).toEqual(lines(expected));
    expect(counted!.value).toBeCloseTo(expected.value, 6);
    expect(counted!.uncredited.value).toBeCloseTo(expected.uncredited.value, 6);
  });

  // The kept type's paths are read from the conversion moments their touches carry, any other type's by
  // probing each conversion's journey: the same purchases under both types must come back alike, whole,
  // cut to the credited touch, and with times.
  it.each([30, 90])("reads the kept type's paths from its touches as probing each purchase's journey reads another type's (lookback of %i days)", async (lookbackDays) => {
    await t.db.query(
      `insert into conversions (site_id, conversion_id, person_id, user_id, email, anonymous_id, type, value, currency, occurred_at, received_at)
       select site_id, 'sale-' || conversion_id, person_id, user_id, email, anonymous_id, 'sale', value, currency, occurred_at, received_at
       from conversions where site_id = $1 and type = 'customer'
       on conflict do nothing`,
      [site.siteId],
    );
    await resolvePendingSessions(t.db, site.siteId);
    const grouping = createGrouping(['channel', 'campaign'], []);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map(grouping.group);
    const query = { siteId: site.siteId, from: new Date('2025-05-15T00:00:00Z'), to: new Date('2025-07-01T00:00:00Z'), lookbackDays, kinds };
    const listed = (journeys: Journey[]) =>
      journeys.map((j) => JSON.stringify([j.touches.map((x) => grouping.keyOfTouch(x)), j.conversions, round(j.value ?? 0), j.times ?? null, j.at ?? null])).sort();
    for (const reads of ['all', 'first', 'last', 'last_non_direct'] as const) {
      const [kept, probed] = await loadJourneySets(t.db, { ...query, conversions: ['customer', 'sale'], reads });
      expect(probed!.reduce((n, j) => n + j.conversions, 0)).toBeGreaterThan(10);
      expect(listed(kept!), reads).toEqual(listed(probed!));
    }
    const [kept, probed] = await loadJourneySets(t.db, { ...query, conversions: ['customer', 'sale'], withTimes: true });
    expect(listed(kept!)).toEqual(listed(probed!));
  });

  // The funnel reads only the touch a rule credits (one index probe per conversion): its credit must be
  // what the whole journeys give, for leads and purchases, grouped so that Direct touches come last often.
  it.each([30, 90])('credits leads and customers alike from the credited touch alone and from whole journeys (lookback of %i days)', async (lookbackDays) => {
    const grouping = createGrouping(['channel', 'campaign'], []);
    const kinds = (await loadTouchKinds(t.db, site.siteId)).map(grouping.group);
    const query = { siteId: site.siteId, from: new Date('2025-05-15T00:00:00Z'), to: new Date('2025-07-01T00:00:00Z'), conversions: ['lead', 'customer'], lookbackDays, kinds };
    const credit = (journeys: Journey[], model: ModelName) =>
      Object.fromEntries(attribute(journeys, model, { key: grouping.keyOfTouch }).rows.filter((r) => r.conversions > 0).map((r) => [r.key, [round(r.conversions), round(r.value)]]));
    const whole = await loadJourneySets(t.db, { ...query, reads: 'all' });
    expect(whole[0]!.length).toBeGreaterThan(10);
    expect(whole[1]!.length).toBeGreaterThan(10);
    for (const model of ['first_touch', 'last_touch', 'last_non_direct'] as const) {
      const cut = await loadJourneySets(t.db, { ...query, reads: creditedTouches(model) });
      expect(cut.every((set) => set.every((j) => j.touches.length <= 1))).toBe(true);
      expect(cut.map((set) => credit(set, model)), model).toEqual(whole.map((set) => credit(set, model)));
    }
    // The data tells the rules apart: some journeys end in Direct after another channel.
    expect(credit(whole[1]!, 'last_non_direct')).not.toEqual(credit(whole[1]!, 'last_touch'));
  });
});
