import { generateDemoData, type DemoChunk, type DemoDataOptions } from '@lazo/attribution';
import type { Db, Queryable } from './db.js';

/** Options of {@link seedDemoData}: the generator's, with defaults sized for a first `pnpm start`. */
export interface SeedDemoOptions extends Omit<DemoDataOptions, 'endDate'> {
  /** Last day of data (UTC), `YYYY-MM-DD` or ms since the epoch. Default: today. */
  endDate?: string | number;
  /** People simulated. Default 2,000 (about 8,000 sessions: `sessions` defaults to 4 × persons). */
  persons?: number;
  /** Called after each chunk is written, e.g. to print a rate. Default: none. */
  onProgress?: (progress: SeedDemoCounts) => void;
}

export interface SeedDemoCounts {
  persons: number;
  sessions: number;
  events: number;
  identityLinks: number;
  conversions: number;
  spendRows: number;
}

export interface SeedDemoResult extends SeedDemoCounts {
  /** false when the site already had sessions or events: nothing was written. */
  seeded: boolean;
}

const DEFAULT_PERSONS = 2_000;

/**
 * Fills a site with the deterministic demo data set of `@lazo/attribution`'s `generateDemoData`: events and
 * sessions (written as ingestion writes them), persons, identity links (one per identified browser),
 * conversions (online and after a sales call), offline touches and daily ad spend, so that the reports and
 * lead profiles show something meaningful on a first start.
 *
 * Idempotent: a site that already has sessions or events is left alone (`seeded: false`). Everything is
 * written in one transaction, so an interrupted seed leaves nothing behind and is redone on the next start.
 * Chunks of the generator are written with bulk `unnest` inserts, so a million sessions take minutes, not hours.
 *
 * @param db the store (PGlite or PostgreSQL), migrated.
 * @param siteId an existing site.
 * @param options generator options; default 2,000 persons ending today (UTC), seed 1.
 */
export async function seedDemoData(db: Db, siteId: string, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const { onProgress, ...rest } = options;
  const generatorOptions: DemoDataOptions = {
    ...rest,
    persons: rest.persons ?? DEFAULT_PERSONS,
    endDate: rest.endDate ?? new Date().toISOString().slice(0, 10),
  };
  const seed = generatorOptions.seed ?? 1;
  const counts: SeedDemoCounts = { persons: 0, sessions: 0, events: 0, identityLinks: 0, conversions: 0, spendRows: 0 };
  const seeded = await db.transaction(async (tx) => {
    // Two processes seeding one site on PostgreSQL: the second waits, then finds the data and skips.
    if (db.engine === 'postgres') await tx.query('select pg_advisory_xact_lock(7465002, hashtext($1))', [siteId]);
    if (await siteHasData(tx, siteId)) return false;
    // A chunk is generated and encoded while the previous one is being written: JS and the database overlap.
    let writing: Promise<void> = Promise.resolve();
    for (const chunk of generateDemoData(generatorOptions)) {
      const statements = chunkStatements(siteId, seed, chunk);
      await writing;
      writing = (async () => {
        for (const { sql, params, counter, rows } of statements) {
          await tx.query(sql, params);
          counts[counter] += rows;
        }
        onProgress?.({ ...counts });
      })();
    }
    await writing;
    return true;
  });
  // Fresh statistics for the planner: PGlite has no autovacuum, and PostgreSQL's comes later.
  if (seeded) await db.exec('analyze sessions, events, persons, identity_links, conversions, spend');
  return { seeded, ...(seeded ? counts : { persons: 0, sessions: 0, events: 0, identityLinks: 0, conversions: 0, spendRows: 0 }) };
}

async function siteHasData(tx: Queryable, siteId: string): Promise<boolean> {
  const { rows } = await tx.query(
    `select exists (select 1 from sessions where site_id = $1) or exists (select 1 from events where site_id = $1) as has`,
    [siteId],
  );
  return rows[0]?.has === true;
}

type Row = Record<string, unknown>;

const EVENT_COLUMNS = {
  message_id: 'text', type: 'text', event: 'text', anonymous_id: 'text', user_id: 'text', session_id: 'text', ts: 'timestamptz',
  received_at: 'timestamptz', verified: 'boolean', properties: 'jsonb', traits: 'jsonb', context: 'jsonb',
};
const SESSION_COLUMNS = {
  session_id: 'text', anonymous_id: 'text', user_id: 'text', started_at: 'timestamptz', last_seen_at: 'timestamptz', source: 'text',
  medium: 'text', campaign: 'text', utm_source: 'text', utm_medium: 'text', utm_campaign: 'text', utm_term: 'text', utm_content: 'text',
  click_ids: 'jsonb', referrer: 'text', landing_url: 'text', landing_path: 'text', browser: 'text', os: 'text', device_type: 'text',
  pageviews: 'integer', events: 'integer',
};
const PERSON_COLUMNS = { person_id: 'text', user_id: 'text', user_id_verified: 'boolean', email: 'text', traits: 'jsonb', created_at: 'timestamptz', updated_at: 'timestamptz' };
const LINK_COLUMNS = { anonymous_id: 'text', valid_from: 'timestamptz', person_id: 'text', verified: 'boolean', message_id: 'text' };
const CONVERSION_COLUMNS = {
  conversion_id: 'text', person_id: 'text', user_id: 'text', email: 'text', anonymous_id: 'text', type: 'text', value: 'numeric', currency: 'text',
  occurred_at: 'timestamptz', received_at: 'timestamptz', channel: 'text', source: 'text', medium: 'text',
};
const SPEND_COLUMNS = { day: 'date', source: 'text', medium: 'text', campaign: 'text', amount: 'numeric', currency: 'text' };

interface Statement {
  sql: string;
  params: unknown[];
  counter: keyof SeedDemoCounts;
  rows: number;
}

/** The inserts of one chunk, encoded and ready to send. */
function chunkStatements(siteId: string, seed: number, chunk: DemoChunk): Statement[] {
  // Stable for a seed, so that a profile link in a walkthrough stays valid.
  const personId = (key: string) => `per_demo${seed}_${key}`;
  const { events, sessions } = eventAndSessionRows(chunk);
  // A person per lead: created by its first identify (the lead moment), updated by its last.
  const people = new Map<string, { created: number; updated: number; verified: boolean }>();
  for (const i of chunk.identifies) {
    const p = people.get(i.personKey) ?? { created: i.at, updated: i.at, verified: false };
    p.updated = Math.max(p.updated, i.at);
    p.verified ||= i.verified && Boolean(i.userId);
    people.set(i.personKey, p);
  }
  const persons = chunk.persons.filter((p) => people.has(p.key)).map((p) => {
    const { created, updated, verified } = people.get(p.key)!;
    return { person_id: personId(p.key), user_id: p.userId, user_id_verified: verified, email: p.email, traits: { email: p.email, firstName: p.firstName, lastName: p.lastName }, created_at: iso(created), updated_at: iso(updated) };
  });
  const links = chunk.identifies
    .filter((i) => i.anonymousId)
    .map((i) => ({ anonymous_id: i.anonymousId, valid_from: iso(i.at), person_id: personId(i.personKey), verified: i.verified, message_id: identifyMessageId(i.personKey, i.at) }));
  const conversions = chunk.conversions.map((c) => ({
    conversion_id: c.conversionId, person_id: personId(c.personKey), user_id: c.userId, email: c.email, anonymous_id: c.anonymousId, type: c.type, value: c.value,
    currency: c.currency, occurred_at: iso(c.occurredAt), received_at: iso(c.occurredAt), channel: c.channel, source: c.source, medium: c.medium,
  }));
  const spend = chunk.spend.map((r) => ({ day: r.date, source: r.source, medium: r.medium, campaign: r.campaign, amount: r.amount, currency: r.currency }));
  const tables: Array<[string, Record<string, string>, Row[], keyof SeedDemoCounts]> = [
    ['events', EVENT_COLUMNS, events, 'events'],
    ['sessions', SESSION_COLUMNS, sessions, 'sessions'],
    ['persons', PERSON_COLUMNS, persons, 'persons'],
    ['identity_links', LINK_COLUMNS, links, 'identityLinks'],
    ['conversions', CONVERSION_COLUMNS, conversions, 'conversions'],
    ['spend', SPEND_COLUMNS, spend, 'spendRows'],
  ];
  return tables.filter(([, , rows]) => rows.length > 0).map(([table, columns, rows, counter]) => ({ ...insertStatement(table, siteId, columns, rows), counter, rows: rows.length }));
}

const iso = (ms: number) => new Date(ms).toISOString();
const identifyMessageId = (personKey: string, at: number) => `demo-identify-${personKey}-${at}`;
const CLICK_IDS = ['gclid', 'fbclid', 'msclkid', 'li_fat_id'] as const;

/** The chunk as ingestion would have stored it: one event per message, one session per visit and per sales call. */
function eventAndSessionRows(chunk: DemoChunk): { events: Row[]; sessions: Row[] } {
  const events: Row[] = [];
  const sessions: Row[] = [];
  const eventsPerSession = new Map<string, number>();
  const event = (row: Row & { session_id?: string | undefined; ts: string }) => {
    events.push({ received_at: row.ts, verified: false, ...row });
    if (row.session_id) eventsPerSession.set(row.session_id, (eventsPerSession.get(row.session_id) ?? 0) + 1);
  };
  for (const s of chunk.sessions) {
    const host = new URL(s.landingUrl).host;
    s.pageviews.forEach((pv, i) => {
      const landing = i === 0;
      const page = { url: landing ? s.landingUrl : `https://${host}${pv.path}`, path: pv.path, title: pv.title, ...(landing && s.referrer ? { referrer: s.referrer } : {}) };
      event({
        message_id: `demo-${s.sessionId}-${i}`, type: 'page', anonymous_id: s.anonymousId, session_id: s.sessionId, ts: iso(pv.at),
        properties: { path: pv.path, title: pv.title }, context: { page, ...(landing && s.campaign ? { campaign: s.campaign } : {}), lazo: { sessionId: s.sessionId } },
      });
    });
  }
  for (const i of chunk.identifies) {
    event({
      message_id: identifyMessageId(i.personKey, i.at), type: 'identify', anonymous_id: i.anonymousId, user_id: i.userId, session_id: i.sessionId,
      ts: iso(i.at), verified: i.verified, traits: i.traits, context: i.sessionId ? { lazo: { sessionId: i.sessionId } } : {},
    });
  }
  chunk.tracks.forEach((t, n) => {
    // Forms come from the browser; NPS answers from the shop's backend (a survey tool), with the secret key.
    event({
      message_id: `demo-track-${t.personKey}-${n}`, type: 'track', event: t.event, anonymous_id: t.anonymousId, user_id: t.userId, session_id: t.sessionId,
      ts: iso(t.at), verified: !t.anonymousId, properties: t.properties, context: t.sessionId ? { lazo: { sessionId: t.sessionId } } : {},
    });
  });
  for (const call of chunk.offlineTouches) {
    // As ingestion stores a backend's track with a userId and a campaign: a visit of its own, without a browser.
    const sessionId = `user:${call.userId}~${Math.floor(call.at / 1000).toString(36)}`;
    const at = iso(call.at);
    event({
      message_id: `demo-call-${call.personKey}-${call.at}`, type: 'track', event: 'Sales Call', user_id: call.userId, session_id: sessionId, ts: at,
      verified: true, properties: { outcome: 'sale' }, context: { campaign: { source: call.source, medium: call.medium } },
    });
    sessions.push({
      session_id: sessionId, user_id: call.userId, started_at: at, last_seen_at: at, source: call.source, medium: call.medium, campaign: call.campaign,
      utm_source: call.source, utm_medium: call.medium, pageviews: 0,
    });
  }
  for (const s of chunk.sessions) {
    const c = s.campaign ?? {};
    const clickIds = Object.fromEntries(CLICK_IDS.filter((k) => c[k]).map((k) => [k, c[k]]));
    sessions.push({
      session_id: s.sessionId, anonymous_id: s.anonymousId, started_at: iso(s.startedAt), last_seen_at: iso(s.pageviews[s.pageviews.length - 1]!.at),
      source: s.touch.source, medium: s.touch.medium, campaign: s.touch.campaign, utm_source: c.source, utm_medium: c.medium, utm_campaign: c.name,
      utm_term: c.term, utm_content: c.content, click_ids: Object.keys(clickIds).length > 0 ? clickIds : undefined, referrer: s.referrer,
      landing_url: s.landingUrl, landing_path: s.landingPath, browser: s.device.browser, os: s.device.os, device_type: s.device.type, pageviews: s.pageviews.length,
    });
  }
  for (const row of sessions) row.events = eventsPerSession.get(row.session_id as string) ?? 0;
  return { events, sessions };
}

const FIELD = '\u001f';
const NULL = '\u001d';

/**
 * One multi-row insert of `rows` (objects keyed by column). Each column travels as one text of values
 * joined by a control character and is split by `string_to_array` on the server: several times cheaper,
 * for the driver and for the server, than a JSON document or large array parameters. The demo's values
 * never hold these control characters (JSON escapes them inside strings).
 */
function insertStatement(table: string, siteId: string, columns: Record<string, string>, rows: Row[]): { sql: string; params: unknown[] } {
  const names = Object.keys(columns);
  const params = names.map((name) =>
    rows
      .map((row) => {
        const v = row[name];
        if (v === undefined || v === null) return NULL;
        return typeof v === 'object' ? JSON.stringify(v) : String(v);
      })
      .join(FIELD),
  );
  const arrays = names.map((_, i) => `string_to_array($${i + 2}, E'\\x1f', E'\\x1d')`).join(', ');
  const casts = names.map((name) => `${name}::${columns[name]}`).join(', ');
  return { sql: `insert into ${table} (site_id, ${names.join(', ')}) select $1, ${casts} from unnest(${arrays}) as t(${names.join(', ')})`, params: [siteId, ...params] };
}
