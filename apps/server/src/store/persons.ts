import type { Db, Queryable } from './db.js';
import type { Site } from './sites.js';
import { linkAtTime } from './identity.js';
import { forgetTouches } from './session-persons.js';
import { lockSiteIdentity } from './site-lock.js';
import { normalizeEmail } from '../identity/resolve.js';
import { formKey, groupForms, productName, summarizeActivity, type Activity, type FormEvent } from '../profile/activity.js';
import { buildProfile, channelOf, stageOf, type Profile, type ProfileConversion, type ProfileEvent, type ProfilePerson, type ProfileSession } from '../profile/assemble.js';
import { displayName, pagePersons, type ListCursor, type ListedPerson, type PersonSort } from '../profile/person-list.js';
import { scoreLead, scoreWeights } from '../profile/score.js';

/**
 * Persons as the API reads them: lookups, the lead profile, pages of persons, erasure.
 *
 * Whose is a visit, an event, a conversion is defined once, by the views of migrations 0002 and 0004
 * (`lazo_identity_spans`, `lazo_session_persons`, `lazo_event_persons`, `lazo_conversion_persons`,
 * `lazo_user_persons`, `lazo_email_persons`). Reports read a cache of `lazo_session_persons` kept on the
 * sessions themselves (store/session-persons.ts); ad-hoc SQL can use the views:
 *
 *   select sp.person_id, count(*) from lazo_session_persons sp
 *   where sp.site_id = $1 and sp.started_at >= $2 and sp.started_at < $3 group by sp.person_id
 *
 * (person_id is the root after merges; null = an anonymous visitor). Here, where one person or a page of
 * persons is read, `SCOPED` applies the same rules to only their anonymous ids and userIds, so that the
 * window runs over a handful of links rather than the site's.
 */

/** The identifiers of a set of root persons: what the scoped resolution needs ($1–$6 of SCOPED). */
export interface PersonScope {
  siteId: string;
  roots: string[];
  /** The roots and every person merged into them. */
  personIds: string[];
  anonymousIds: string[];
  userIds: string[];
  emails: string[];
}

const scopeParams = (s: PersonScope) => [s.siteId, s.anonymousIds, s.roots, s.userIds, s.personIds, s.emails];

/** A page's path: context.page.path, else properties.path, else the path of context.page.url. */
const EVENT_PATH = `coalesce(nullif(e.context->'page'->>'path', ''), nullif(e.properties->>'path', ''), substring(e.context->'page'->>'url' from '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*([^?#]*)'))`;

/** Rows of `table` owned by the scope's persons: by the span holding `time`, else (never identified) by userId. */
const ownedRows = (name: string, table: string, time: string) => /* sql */ `
  ${name} as (
    select x.*, sp.person_id as owner from ${table} x
    join scope_spans sp on sp.anonymous_id = x.anonymous_id and x.${time} >= sp.span_from and x.${time} < sp.span_to
    where x.site_id = $1 and x.anonymous_id = any($2::text[]) and sp.person_id = any($3::text[])
    union all
    select x.*, up.person_id from ${table} x
    join lazo_user_persons up on up.site_id = x.site_id and up.user_id = x.user_id
    where x.site_id = $1 and x.user_id = any($4::text[]) and up.person_id = any($3::text[])
      and not exists (select 1 from identity_links l where l.site_id = x.site_id and l.anonymous_id = x.anonymous_id)
  )`;

/**
 * The rules of lazo_session_persons / lazo_event_persons / lazo_conversion_persons, restricted to the
 * persons of a scope ($1 site, $2 their anonymous ids, $3 roots, $4 userIds, $5 all person ids, $6 emails).
 * Each CTE names the root it belongs to as `owner`.
 */
const SCOPED = /* sql */ `
  scope_spans as (
    select anonymous_id, person_id, span_from, span_to from lazo_identity_spans where site_id = $1 and anonymous_id = any($2::text[])
  ),
  ${ownedRows('person_sessions', 'sessions', 'started_at')},
  ${ownedRows('person_events', 'events', 'ts')},
  person_conversions as (
    select * from (
      select c.*, coalesce(direct.root, up.person_id, ep.person_id, sp.person_id) as owner
      from conversions c
      left join (select person_id, coalesce(merged_into, person_id) as root from persons where site_id = $1) direct on direct.person_id = c.person_id
      left join lazo_user_persons up on up.site_id = c.site_id and up.user_id = c.user_id
      left join lazo_email_persons ep on ep.site_id = c.site_id and ep.email = lower(trim(c.email))
      left join scope_spans sp on sp.anonymous_id = c.anonymous_id and c.occurred_at >= sp.span_from and c.occurred_at < sp.span_to
      where c.site_id = $1
        and (c.person_id = any($5::text[]) or c.user_id = any($4::text[]) or lower(trim(c.email)) = any($6::text[]) or c.anonymous_id = any($2::text[]))
    ) c where owner = any($3::text[])
  )`;

export interface PersonLookup {
  personId?: string;
  userId?: string;
  email?: string;
  anonymousId?: string;
  /** With anonymousId: whose the browser was at this time (default: whose it is now, its latest link). */
  at?: Date;
}

/**
 * The root person one identifier names, or null. A merged person's id, userId or email finds the person it
 * was merged into. Conversions and other writers use it to attach rows to a person.
 */
export async function findPersonId(db: Queryable, siteId: string, by: PersonLookup): Promise<string | null> {
  let rows: { root: string }[] = [];
  if (by.personId !== undefined) {
    ({ rows } = await db.query('select coalesce(merged_into, person_id) as root from persons where site_id = $1 and person_id = $2', [siteId, by.personId]));
  } else if (by.userId !== undefined) {
    ({ rows } = await db.query('select person_id as root from lazo_user_persons where site_id = $1 and user_id = $2', [siteId, by.userId]));
  } else if (by.email !== undefined) {
    const email = normalizeEmail(by.email);
    if (email) ({ rows } = await db.query('select person_id as root from lazo_email_persons where site_id = $1 and email = $2', [siteId, email]));
  } else if (by.anonymousId !== undefined) {
    ({ rows } = await db.query(
      `select coalesce(p.merged_into, p.person_id) as root
       from (select person_id from identity_links where site_id = $1 and anonymous_id = $2 ${by.at ? linkAtTime('$3') : 'order by valid_from desc'} limit 1) l
       join persons p on p.site_id = $1 and p.person_id = l.person_id`,
      by.at ? [siteId, by.anonymousId, by.at] : [siteId, by.anonymousId],
    ));
  }
  return rows[0]?.root ?? null;
}

type PersonRow = {
  person_id: string;
  user_id: string | null;
  user_id_verified: boolean;
  email: string | null;
  traits: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  merged_into: string | null;
};

const toPerson = (r: PersonRow): ProfilePerson => ({
  personId: r.person_id,
  userId: r.user_id,
  userIdVerified: r.user_id_verified,
  email: r.email,
  traits: r.traits ?? {},
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  mergedInto: r.merged_into,
});

/** Loads the persons of some roots (with those merged into them) and the identifiers resolution needs. */
export async function loadScope(db: Queryable, siteId: string, roots: string[]): Promise<{ scope: PersonScope; persons: ProfilePerson[] }> {
  const { rows } = await db.query<PersonRow>(
    `select person_id, user_id, user_id_verified, email, traits, created_at, updated_at, merged_into from persons
     where site_id = $1 and (person_id = any($2::text[]) or merged_into = any($2::text[]))`,
    [siteId, roots],
  );
  const persons = rows.map(toPerson);
  const personIds = persons.map((p) => p.personId);
  const links = await db.query<{ anonymous_id: string }>('select distinct anonymous_id from identity_links where site_id = $1 and person_id = any($2::text[])', [siteId, personIds]);
  const scope: PersonScope = {
    siteId,
    roots,
    personIds,
    anonymousIds: links.rows.map((r) => r.anonymous_id),
    userIds: persons.flatMap((p) => (p.userId ? [p.userId] : [])),
    emails: persons.flatMap((p) => (p.email ? [p.email] : [])),
  };
  return { scope, persons };
}

const SESSION_COLUMNS = `session_id, anonymous_id, started_at, last_seen_at, source, medium, campaign, referrer, landing_url, landing_path,
  browser, os, device_type, is_bot`;
const EVENT_COLUMNS = `e.message_id, e.session_id, e.type, e.event, e.ts, ${EVENT_PATH} as path,
  coalesce(e.context->'page'->>'title', e.properties->>'title') as title,
  case when e.type = 'page' then e.properties->'product' end as product,
  case when e.type = 'track' then e.properties end as properties`;
// Only the events a profile reads: pageviews and form tracks.
const PROFILE_EVENTS = `(e.type = 'page' or (e.type = 'track' and e.event in ('Form Started', 'Form Submitted')))`;

type Row = Record<string, unknown>;
const toSession = (r: Row): ProfileSession => ({
  sessionId: r.session_id as string,
  anonymousId: r.anonymous_id as string | null,
  startedAt: r.started_at as Date,
  lastSeenAt: r.last_seen_at as Date,
  source: r.source as string,
  medium: r.medium as string,
  campaign: r.campaign as string,
  referrer: r.referrer as string | null,
  landingUrl: r.landing_url as string | null,
  landingPath: r.landing_path as string | null,
  browser: r.browser as string | null,
  os: r.os as string | null,
  deviceType: r.device_type as string | null,
  isBot: r.is_bot as boolean,
});
const toEvent = (r: Row): ProfileEvent => ({
  sessionId: r.session_id as string | null,
  type: r.type as string,
  event: r.event as string | null,
  ts: r.ts as Date,
  path: r.path as string | null,
  title: r.title as string | null,
  product: productName(r.product),
  formId: r.type === 'track' ? formKey(r.properties) : null,
});
const toConversion = (r: Row): ProfileConversion => ({
  conversionId: r.conversion_id as string,
  type: r.type as string,
  value: Number(r.value ?? 0),
  currency: r.currency as string | null,
  occurredAt: r.occurred_at as Date,
  channel: r.channel as string | null,
  source: r.source as string | null,
  medium: r.medium as string | null,
  campaign: r.campaign as string | null,
});

/** The lead profile of a root person (see profile/assemble.ts for its fields). */
export async function loadProfile(db: Queryable, site: Site, root: string, now = new Date()): Promise<Profile | null> {
  const { scope, persons } = await loadScope(db, site.siteId, [root]);
  const person = persons.find((p) => p.personId === root);
  if (!person) return null;
  const params = scopeParams(scope);
  const [links, merges, sessions, events, conversions] = await Promise.all([
    db.query<{ anonymous_id: string; linked_person_id: string; valid_from: Date; valid_until: Date | null; verified: boolean }>(
      `select anonymous_id, linked_person_id, valid_from, verified,
              case when span_to = 'infinity'::timestamptz then null else span_to end as valid_until
       from lazo_identity_spans where site_id = $1 and anonymous_id = any($2::text[]) and person_id = $3
       order by valid_from, anonymous_id`,
      [site.siteId, scope.anonymousIds, root],
    ),
    db.query<{ from_person_id: string; merged_at: Date; reason: string }>('select from_person_id, merged_at, reason from person_merges where site_id = $1 and into_person_id = $2', [site.siteId, root]),
    db.query(`with ${SCOPED} select ${SESSION_COLUMNS} from person_sessions order by started_at`, params),
    db.query(`with ${SCOPED} select ${EVENT_COLUMNS} from person_events e where ${PROFILE_EVENTS} order by e.ts`, params),
    db.query(`with ${SCOPED} select * from person_conversions order by occurred_at`, params),
  ]);
  return buildProfile({
    person,
    merged: persons.filter((p) => p.personId !== root),
    merges: merges.rows.map((m) => ({ fromPersonId: m.from_person_id, mergedAt: m.merged_at, reason: m.reason })),
    links: links.rows.map((l) => ({ anonymousId: l.anonymous_id, personId: l.linked_person_id, validFrom: l.valid_from, validUntil: l.valid_until, verified: l.verified })),
    sessions: sessions.rows.map(toSession),
    events: events.rows.map(toEvent),
    conversions: conversions.rows.map(toConversion),
    settings: site.settings,
    now,
  });
}

/**
 * The profile of a browser nobody has been identified on yet (stage `visitor`), or null when the site
 * has never seen it.
 */
export async function loadVisitorProfile(db: Queryable, site: Site, anonymousId: string, now = new Date()): Promise<Profile | null> {
  const [sessions, events, conversions] = await Promise.all([
    db.query(`select ${SESSION_COLUMNS} from sessions where site_id = $1 and anonymous_id = $2 order by started_at`, [site.siteId, anonymousId]),
    db.query(`select ${EVENT_COLUMNS} from events e where e.site_id = $1 and e.anonymous_id = $2 and ${PROFILE_EVENTS} order by e.ts`, [site.siteId, anonymousId]),
    // Nobody was identified on this browser, so only conversions naming nobody else are its own.
    db.query(
      `select * from conversions where site_id = $1 and anonymous_id = $2 and person_id is null and user_id is null and email is null order by occurred_at`,
      [site.siteId, anonymousId],
    ),
  ]);
  if (sessions.rows.length === 0 && events.rows.length === 0 && conversions.rows.length === 0) return null;
  return buildProfile({
    person: null,
    merged: [],
    merges: [],
    links: [],
    sessions: sessions.rows.map(toSession),
    events: events.rows.map(toEvent),
    conversions: conversions.rows.map(toConversion),
    settings: site.settings,
    now,
    anonymousId,
  });
}

export interface PersonListQuery {
  q?: string | undefined;
  stage?: 'lead' | 'customer' | undefined;
  sort: PersonSort;
  limit: number;
  cursor: ListCursor | null;
}

const likePattern = (q: string) => '%' + q.replace(/[\\%_]/g, (c) => '\\' + c) + '%';

/**
 * A page of persons: search over email, userId and name traits (merged persons' too), filter by stage,
 * sort by score or recency. Scores need each matching person's activity, so the whole match is scored
 * in two queries and then paged; on very large sites, narrow it with `q` or `stage`.
 */
export async function listPersons(db: Queryable, site: Site, query: PersonListQuery, now = new Date()): Promise<{ persons: ListedPerson[]; nextCursor: string | null }> {
  const q = query.q?.trim() || null;
  const { rows: candidates } = await db.query<{ person_id: string }>(
    `select r.person_id from persons r
     where r.site_id = $1 and r.merged_into is null
       and ($2::text is null or exists (
         select 1 from persons m
         where m.site_id = $1 and (m.person_id = r.person_id or m.merged_into = r.person_id)
           and (m.person_id = $3 or m.email ilike $2 or m.user_id ilike $2 or m.traits->>'name' ilike $2
                or concat_ws(' ', m.traits->>'firstName', m.traits->>'lastName') ilike $2
                or concat_ws(' ', m.traits->>'first_name', m.traits->>'last_name') ilike $2)))`,
    [site.siteId, q ? likePattern(q) : null, q],
  );
  if (candidates.length === 0) return { persons: [], nextCursor: null };
  const { scope, persons } = await loadScope(db, site.siteId, candidates.map((c) => c.person_id));
  const activity = await loadActivities(db, scope);
  const weights = scoreWeights(site.settings.scoreWeights);
  const channel = channelOf(site.settings);
  const listed: ListedPerson[] = [];
  for (const p of persons) {
    if (p.mergedInto) continue;
    const a = activity.get(p.personId) ?? emptyActivity();
    const facts = summarizeActivity(a.activity, { productPathPattern: site.settings.productPathPattern });
    const stage = stageOf(true, a.conversionTypes);
    if (query.stage && stage !== query.stage) continue;
    listed.push({
      personId: p.personId,
      userId: p.userId,
      email: p.email,
      name: displayName(p.traits),
      stage,
      score: scoreLead(facts, weights, now).total,
      lastActivityAt: facts.lastActivityAt?.toISOString() ?? null,
      createdAt: p.createdAt.toISOString(),
      counts: { visits: facts.visits, pageviews: facts.pageviews, forms: facts.formsSubmitted, conversions: a.conversions },
      firstTouch: a.firstVisit ? { at: a.firstVisit.at.toISOString(), channel: channel(a.firstVisit), source: a.firstVisit.source, medium: a.firstVisit.medium, campaign: a.firstVisit.campaign } : null,
    });
  }
  return pagePersons(listed, query.sort, query.limit, query.cursor);
}

type Touch = { source: string; medium: string; campaign: string };

interface PersonActivity {
  activity: Activity;
  firstVisit?: Touch & { at: Date };
  conversionTypes: Set<string>;
  conversions: number;
}

const emptyActivity = (): PersonActivity => ({
  activity: { visits: [], pageviews: 0, paths: [], products: [], forms: [], lastConversionAt: null },
  conversionTypes: new Set(),
  conversions: 0,
});

/** Each scoped person's activity, grouped in SQL as far as the summary allows, in one round trip. */
async function loadActivities(db: Queryable, scope: PersonScope): Promise<Map<string, PersonActivity>> {
  const { rows } = await db.query<{ kind: string; owner: string; t1: Date | null; t2: Date | null; key: string | null; flag: boolean | null; n: number; data: unknown }>(
    `with ${SCOPED},
     pages as (select e.owner, e.ts, ${EVENT_PATH} as path, e.properties->'product' as product from person_events e where e.type = 'page')
     select 'visit' as kind, owner, started_at as t1, last_seen_at as t2, null::text as key, null::boolean as flag, 0 as n,
            jsonb_build_object('source', source, 'medium', medium, 'campaign', campaign) as data from person_sessions
     union all
     select 'path', owner, null, max(ts), path, product is not null, count(*)::int, null from pages group by owner, path, product is not null
     union all
     select 'product', owner, null, max(ts), null, null, count(*)::int, product from pages where product is not null group by owner, product
     union all
     select 'form', owner, ts, null, session_id, null, 0, jsonb_build_object('event', event, 'properties', properties) from person_events
     where type = 'track' and event in ('Form Started', 'Form Submitted')
     union all
     select 'conversion', owner, max(occurred_at), null, type, null, count(*)::int, null from person_conversions group by owner, type`,
    scopeParams(scope),
  );
  const out = new Map<string, PersonActivity>();
  const forms = new Map<string, FormEvent[]>();
  for (const r of rows) {
    let a = out.get(r.owner);
    if (!a) out.set(r.owner, (a = emptyActivity()));
    if (r.kind === 'visit') {
      a.activity.visits.push({ startedAt: r.t1!, lastSeenAt: r.t2! });
      if (!a.firstVisit || r.t1! < a.firstVisit.at) a.firstVisit = { at: r.t1!, ...(r.data as Touch) };
    }
    else if (r.kind === 'path') {
      a.activity.pageviews += r.n;
      if (r.key !== null) a.activity.paths.push({ path: r.key, namedProduct: r.flag === true, views: r.n, lastAt: r.t2! });
    } else if (r.kind === 'product') {
      const name = productName(r.data);
      if (name) a.activity.products.push({ path: name, views: r.n, lastAt: r.t2! });
    } else if (r.kind === 'form') {
      const d = r.data as { event: string; properties: unknown };
      const list = forms.get(r.owner) ?? forms.set(r.owner, []).get(r.owner)!;
      list.push({ sessionId: r.key, event: d.event, ts: r.t1!, formId: formKey(d.properties) });
    } else if (r.kind === 'conversion') {
      a.conversionTypes.add(r.key!);
      a.conversions += r.n;
      if (!a.activity.lastConversionAt || r.t1! > a.activity.lastConversionAt) a.activity.lastConversionAt = r.t1;
    }
  }
  for (const [owner, list] of forms) out.get(owner)!.activity.forms = groupForms(list);
  return out;
}

export interface ErasureCounts {
  persons: number;
  identityLinks: number;
  personMerges: number;
  sessions: number;
  events: number;
  conversions: number;
}

/**
 * Erases a root person and everything that belongs to it by the resolution rules: the persons merged into
 * it, their identity links and merges, their events and visits (not those another person took over on a
 * shared device), and their conversions. Null when there is no such person.
 *
 * The site's identity lock is taken first, as every writer of identities takes it before it touches a
 * visit row (store/site-lock.ts): no identify can attach anything to the person while it is erased.
 */
export async function erasePerson(db: Db, siteId: string, root: string): Promise<ErasureCounts | null> {
  return db.transaction(async (tx) => {
    const counts: ErasureCounts = { persons: 0, identityLinks: 0, personMerges: 0, sessions: 0, events: 0, conversions: 0 };
    const count = async (sql: string, params: unknown[]) => (await tx.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
    const deleteActivity = async (scope: PersonScope) => {
      const params = scopeParams(scope);
      counts.events += await count(`with ${SCOPED}, gone as (delete from events where site_id = $1 and message_id in (select message_id from person_events) returning 1) select count(*)::int as n from gone`, params);
      const { rows: gone } = await tx.query<{ visitor: string | null }>(
        `with ${SCOPED} delete from sessions where site_id = $1 and session_id in (select session_id from person_sessions) returning visitor::text`,
        params,
      );
      counts.sessions += gone.length;
      await forgetTouches(tx, siteId, [...new Set(gone.flatMap((g) => (g.visitor === null ? [] : [g.visitor])))]);
    };
    await lockSiteIdentity(tx, [siteId]);
    const { persons, scope } = await loadScope(tx, siteId, [root]);
    if (!persons.some((p) => p.personId === root && p.mergedInto === null)) return null;
    await deleteActivity(scope);
    const params = scopeParams(scope);
    counts.conversions = await count(`with ${SCOPED}, gone as (delete from conversions where site_id = $1 and conversion_id in (select conversion_id from person_conversions) returning 1) select count(*)::int as n from gone`, params);
    counts.identityLinks = await count(`with gone as (delete from identity_links where site_id = $1 and person_id = any($2::text[]) returning 1) select count(*)::int as n from gone`, [siteId, scope.personIds]);
    counts.personMerges = await count(
      `with gone as (delete from person_merges where site_id = $1 and (from_person_id = any($2::text[]) or into_person_id = any($2::text[])) returning 1) select count(*)::int as n from gone`,
      [siteId, scope.personIds],
    );
    counts.persons = await count(`with gone as (delete from persons where site_id = $1 and person_id = any($2::text[]) returning 1) select count(*)::int as n from gone`, [siteId, scope.personIds]);
    return counts;
  });
}
