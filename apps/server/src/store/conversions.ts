import type { Queryable } from './db.js';
import { newPersonId } from './identity.js';
import { lockSiteIdentity } from './site-lock.js';
import { emptyIdentityChange, markSessionsUnresolved } from './session-persons.js';

/** A conversion as stored: identifiers normalised, the person resolved when it can be. */
export interface ConversionRecord {
  conversionId: string;
  userId: string | null;
  /** Lowercased. */
  email: string | null;
  anonymousId: string | null;
  type: string;
  value: number;
  /** Uppercased ISO 4217 code. */
  currency: string | null;
  occurredAt: Date;
  channel: string | null;
  /** Lowercased, as sessions store their derived source/medium/campaign. */
  source: string | null;
  medium: string | null;
  campaign: string | null;
  properties: Record<string, unknown> | null;
}

/** Who a conversion belongs to, as sent. */
export interface PersonRef {
  userId: string | null;
  email: string | null;
  anonymousId: string | null;
  /** When the conversion happened: an anonymousId's owner can change over time (a shared device). */
  at: Date;
}

/** The person an anonymousId belonged to at `at`: the latest link from before then, else its first link. */
function ownerAt(links: Array<{ validFrom: number; personId: string }>, at: number): string | undefined {
  let owner = links[0]?.personId;
  for (const link of links) if (link.validFrom <= at) owner = link.personId;
  return owner;
}

interface Known {
  byUserId: Map<string, string>;
  byEmail: Map<string, { personId: string; userId: string | null }>;
  links: Map<string, Array<{ validFrom: number; personId: string }>>;
}

/**
 * Looks up existing persons, always answering the root of a merged one (merge chains are flat: one hop
 * of merged_into reaches it). When several persons hold a userId or email, the unmerged, then oldest, wins.
 */
async function loadKnownPersons(tx: Queryable, siteId: string, refs: PersonRef[]): Promise<Known> {
  const userIds = [...new Set(refs.flatMap((r) => (r.userId ? [r.userId] : [])))];
  const emails = [...new Set(refs.flatMap((r) => (r.email ? [r.email] : [])))];
  const anonymousIds = [...new Set(refs.flatMap((r) => (r.anonymousId && !r.userId && !r.email ? [r.anonymousId] : [])))];
  const known: Known = { byUserId: new Map(), byEmail: new Map(), links: new Map() };
  if (userIds.length > 0) {
    const { rows } = await tx.query<{ user_id: string; root: string }>(
      `select p.user_id, coalesce(p.merged_into, p.person_id) as root from persons p
       where p.site_id = $1 and p.user_id = any($2::text[])
       order by p.merged_into is not null, p.created_at, p.person_id`,
      [siteId, userIds],
    );
    for (const r of rows) if (!known.byUserId.has(r.user_id)) known.byUserId.set(r.user_id, r.root);
  }
  if (emails.length > 0) {
    const { rows } = await tx.query<{ email: string; root: string; root_user_id: string | null }>(
      `select lower(p.email) as email, root.person_id as root, root.user_id as root_user_id
       from persons p join persons root on root.site_id = p.site_id and root.person_id = coalesce(p.merged_into, p.person_id)
       where p.site_id = $1 and lower(p.email) = any($2::text[])
       order by p.merged_into is not null, p.created_at, p.person_id`,
      [siteId, emails],
    );
    for (const r of rows) if (!known.byEmail.has(r.email)) known.byEmail.set(r.email, { personId: r.root, userId: r.root_user_id });
  }
  if (anonymousIds.length > 0) {
    const { rows } = await tx.query<{ anonymous_id: string; valid_from: Date; root: string }>(
      `select l.anonymous_id, l.valid_from, coalesce(p.merged_into, p.person_id) as root
       from identity_links l join persons p on p.site_id = l.site_id and p.person_id = l.person_id
       where l.site_id = $1 and l.anonymous_id = any($2::text[])
       order by l.valid_from`,
      [siteId, anonymousIds],
    );
    for (const r of rows) {
      const list = known.links.get(r.anonymous_id) ?? [];
      list.push({ validFrom: new Date(r.valid_from).getTime(), personId: r.root });
      known.links.set(r.anonymous_id, list);
    }
  }
  return known;
}

/**
 * Resolves the person of each conversion at write time, creating a minimal person for an email or
 * userId nobody has yet (a lead that exists only offline). Order of authority: userId, then email
 * (lowercased; a person holding another userId is never taken by email), then anonymousId through
 * identity_links at the conversion's time. An anonymousId alone never creates a person: the conversion
 * keeps it, and reports resolve it once the browser is identified (view lazo_conversion_persons).
 *
 * This is the seam the identity module may replace: it creates persons with nothing but the identifiers
 * (traits `{}`, `created_at` = the earliest conversion of theirs in the request, `user_id_verified` = true
 * since conversions need the secret key), and links no anonymousId.
 */
export async function resolveConversionPersons(tx: Queryable, siteId: string, refs: PersonRef[]): Promise<(string | null)[]> {
  // Identity's per-site lock: conversions and identifies of one site take turns, so two writers never
  // both create a person for one new email (emails, unlike userIds, have no unique index).
  await lockSiteIdentity(tx, [siteId]);
  const { byUserId, byEmail, links } = await loadKnownPersons(tx, siteId, refs);
  const found = refs.map((r): string | undefined => {
    if (r.userId) {
      const byId = byUserId.get(r.userId);
      if (byId) return byId;
      const byMail = r.email ? byEmail.get(r.email) : undefined;
      return byMail && byMail.userId === null ? byMail.personId : undefined;
    }
    if (r.email) return byEmail.get(r.email)?.personId;
    return r.anonymousId ? ownerAt(links.get(r.anonymousId) ?? [], r.at.getTime()) : undefined;
  });
  const created = await createOfflinePersons(
    tx,
    siteId,
    refs.filter((r, i) => found[i] === undefined && (r.userId || r.email)),
  );
  return refs.map((r, i) => found[i] ?? created.get(personKey(r)) ?? null);
}

const personKey = (r: Pick<PersonRef, 'userId' | 'email'>) => (r.userId ? 'u:' + r.userId : 'e:' + r.email);

/**
 * Inserts one person per new userId, and per new email not carried by one of those; returns
 * personKey → person id. A userId taken meanwhile by an identify (the unique index) is looked up instead.
 */
async function createOfflinePersons(tx: Queryable, siteId: string, refs: PersonRef[]): Promise<Map<string, string>> {
  const wanted = new Map<string, { userId: string | null; email: string | null; at: Date }>();
  const alias = new Map<string, string>();
  const userKeyByEmail = new Map<string, string>();
  // userIds first, so that an email-only row naming the same email joins the person created for the userId.
  for (const r of [...refs].sort((a, b) => Number(!a.userId) - Number(!b.userId))) {
    let key = personKey(r);
    if (r.userId && r.email && !userKeyByEmail.has(r.email)) userKeyByEmail.set(r.email, key);
    const joined = r.userId ? undefined : userKeyByEmail.get(r.email!);
    if (joined) {
      alias.set(key, joined);
      key = joined;
    }
    const seen = wanted.get(key);
    if (!seen) wanted.set(key, { userId: r.userId, email: r.email, at: r.at });
    else if (r.at < seen.at) seen.at = r.at;
  }
  const result = new Map<string, string>();
  if (wanted.size === 0) return result;
  const entries = [...wanted.entries()].map(([key, p]) => ({ key, personId: newPersonId(), ...p }));
  const { rows } = await tx.query<{ person_id: string }>(
    `insert into persons (site_id, person_id, user_id, user_id_verified, email, traits, created_at, updated_at)
     select $1, person_id, user_id, user_id is not null, email, '{}'::jsonb, created_at, now()
     from unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) as t(person_id, user_id, email, created_at)
     on conflict (site_id, user_id) where user_id is not null and merged_into is null do nothing
     returning person_id`,
    [siteId, entries.map((e) => e.personId), entries.map((e) => e.userId), entries.map((e) => e.email), entries.map((e) => e.at.toISOString())],
  );
  const inserted = new Set(rows.map((r) => r.person_id));
  // A backend's touches with a userId that now names a person are that person's from now on.
  const named = emptyIdentityChange();
  for (const e of entries) if (e.userId && inserted.has(e.personId)) named.userIds.add(e.userId);
  await markSessionsUnresolved(tx, siteId, named);
  const taken = entries.filter((e) => !inserted.has(e.personId) && e.userId);
  if (taken.length > 0) {
    const { rows: existing } = await tx.query<{ person_id: string; user_id: string }>(
      'select person_id, user_id from persons where site_id = $1 and user_id = any($2::text[]) and merged_into is null',
      [siteId, taken.map((e) => e.userId)],
    );
    for (const r of existing) result.set(personKey({ userId: r.user_id, email: null }), r.person_id);
  }
  for (const e of entries) if (inserted.has(e.personId)) result.set(e.key, e.personId);
  for (const [from, to] of alias) {
    const person = result.get(to);
    if (person) result.set(from, person);
  }
  return result;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export interface WriteConversionsResult {
  /** conversionIds stored now for the first time. */
  inserted: Set<string>;
  /** conversionIds that existed and were changed (only with `upsert`). */
  updated: Set<string>;
}

/**
 * Stores conversions (ids unique within `rows`), resolving their persons, in the caller's transaction.
 * A conversionId already stored is left alone, or with `upsert` replaced when any of its values differ.
 */
export async function writeConversions(tx: Queryable, siteId: string, rows: ConversionRecord[], options: { upsert: boolean }): Promise<WriteConversionsResult> {
  const result: WriteConversionsResult = { inserted: new Set(), updated: new Set() };
  if (rows.length === 0) return result;
  // Sorted by key so that concurrent writers lock rows in the same order.
  const sorted = [...rows].sort((a, b) => (a.conversionId < b.conversionId ? -1 : a.conversionId > b.conversionId ? 1 : 0));
  const persons = await resolveConversionPersons(
    tx,
    siteId,
    sorted.map((r) => ({ userId: r.userId, email: r.email, anonymousId: r.anonymousId, at: r.occurredAt })),
  );
  const conflict = options.upsert
    ? `do update set person_id = excluded.person_id, user_id = excluded.user_id, email = excluded.email,
         anonymous_id = excluded.anonymous_id, type = excluded.type, value = excluded.value, currency = excluded.currency,
         occurred_at = excluded.occurred_at, channel = excluded.channel, source = excluded.source, medium = excluded.medium,
         campaign = excluded.campaign, properties = excluded.properties, resolved = false
       where (c.user_id, c.email, c.anonymous_id, c.type, c.value, c.currency, c.occurred_at, c.channel, c.source, c.medium, c.campaign, c.properties)
         is distinct from (excluded.user_id, excluded.email, excluded.anonymous_id, excluded.type, excluded.value, excluded.currency,
                           excluded.occurred_at, excluded.channel, excluded.source, excluded.medium, excluded.campaign, excluded.properties)`
    : 'do nothing';
  const { rows: written } = await tx.query<{ conversion_id: string; inserted: boolean }>(
    `insert into conversions as c (site_id, conversion_id, person_id, user_id, email, anonymous_id, type, value, currency,
                                   occurred_at, received_at, channel, source, medium, campaign, properties)
     select $1, conversion_id, person_id, user_id, email, anonymous_id, type, value, currency, occurred_at, now(),
            channel, source, medium, campaign, properties::jsonb
     from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::text[],
                 $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
       as t(conversion_id, person_id, user_id, email, anonymous_id, type, value, currency, occurred_at, channel, source,
            medium, campaign, properties)
     on conflict (site_id, conversion_id) ${conflict}
     returning conversion_id, xmax::text = '0' as inserted`,
    [
      siteId,
      sorted.map((r) => r.conversionId),
      persons,
      sorted.map((r) => r.userId),
      sorted.map((r) => r.email),
      sorted.map((r) => r.anonymousId),
      sorted.map((r) => r.type),
      sorted.map((r) => r.value),
      sorted.map((r) => r.currency),
      sorted.map((r) => r.occurredAt.toISOString()),
      sorted.map((r) => r.channel),
      sorted.map((r) => r.source),
      sorted.map((r) => r.medium),
      sorted.map((r) => r.campaign),
      sorted.map((r) => json(r.properties)),
    ],
  );
  for (const w of written) (w.inserted ? result.inserted : result.updated).add(w.conversion_id);
  return result;
}
