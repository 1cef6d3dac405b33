import { customAlphabet } from 'nanoid';
import type { Queryable } from './db.js';
import { lockSiteIdentity } from './site-lock.js';
import type { IdentityMessage } from './event-rows.js';
import { normalizeEmail, resolveIdentity, type IdentityOp, type IdentitySnapshot, type PersonState } from '../identity/resolve.js';
import { emptyIdentityChange, markSessionsUnresolved, type IdentityChange } from './session-persons.js';

export const newPersonId = (() => {
  const id = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 16);
  return () => 'p_' + id();
})();

/**
 * Orders an anonymous id's links so that the first is the one holding at the timestamp parameter `ts`:
 * the greatest valid_from ≤ ts, else (ts predates them all) the earliest (identity_links' semantics).
 */
export const linkAtTime = (ts: string) =>
  `order by valid_from <= ${ts} desc, case when valid_from <= ${ts} then valid_from end desc, valid_from`;

// The person (root) holding a userId, unmerged holder first; and the link of an anonymous id at $6.
const rootByUserId = (param: string) =>
  `select coalesce(merged_into, person_id) as root from persons where site_id = $1 and user_id = ${param} order by merged_into is not null, created_at limit 1`;
const linkedAt = (param: string) => `select person_id from identity_links where site_id = $1 and anonymous_id = ${param} ${linkAtTime('$6')} limit 1`;

const PERSON_COLUMNS = 'p.person_id, p.user_id, p.user_id_verified, p.email';

/**
 * The snapshot of one message in one round trip. Each role finds a person (merged ones included) and
 * reports its root. The link "at ts" is the one with the greatest valid_from ≤ ts, or the earliest one
 * when ts predates them all (identity_links' semantics).
 */
async function loadSnapshot(tx: Queryable, m: IdentityMessage): Promise<IdentitySnapshot> {
  const { rows } = await tx.query<{ role: string; person_id: string; user_id: string | null; user_id_verified: boolean; email: string | null }>(
    /* sql */ `
    with by_user as (${rootByUserId('$2')}
    ), by_email as (
      select coalesce(merged_into, person_id) as root from persons
      where site_id = $1 and email = $3 order by merged_into is not null, created_at limit 1
    ), by_anonymous as (${linkedAt('$4')}
    ), by_previous_user as (${rootByUserId('$5')}
    ), by_previous_anonymous as (${linkedAt('$5')}
    ), roles as (
      select 'user' as role, root from by_user
      union all select 'email', root from by_email
      union all select 'anonymous', coalesce(p.merged_into, p.person_id) from by_anonymous a join persons p on p.site_id = $1 and p.person_id = a.person_id
      union all select 'previous', root from by_previous_user
      union all select 'previous_anonymous', coalesce(p.merged_into, p.person_id) from by_previous_anonymous a join persons p on p.site_id = $1 and p.person_id = a.person_id
    )
    select r.role, ${PERSON_COLUMNS} from roles r join persons p on p.site_id = $1 and p.person_id = r.root`,
    [m.siteId, m.userId, normalizeEmail(m.traits.email), m.anonymousId, m.type === 'alias' ? m.previousId : null, m.ts],
  );
  const find = (role: string): PersonState | null => {
    const r = rows.find((row) => row.role === role);
    return r ? { personId: r.person_id, userId: r.user_id, userIdVerified: r.user_id_verified, email: r.email } : null;
  };
  return {
    byUserId: find('user'),
    byEmail: find('email'),
    byAnonymousId: find('anonymous'),
    byPreviousId: find('previous') ?? find('previous_anonymous'),
  };
}

async function applyOp(tx: Queryable, siteId: string, messageId: string, op: IdentityOp): Promise<void> {
  switch (op.kind) {
    case 'create':
      await tx.query(
        `insert into persons (site_id, person_id, user_id, user_id_verified, email, traits, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7, $7)`,
        [siteId, op.personId, op.userId, op.userIdVerified, op.email, JSON.stringify(op.traits), op.at],
      );
      return;
    case 'setUserId':
      await tx.query('update persons set user_id = $3, user_id_verified = $4 where site_id = $1 and person_id = $2', [siteId, op.personId, op.userId, op.verified]);
      return;
    case 'setEmail':
      await tx.query('update persons set email = $3 where site_id = $1 and person_id = $2', [siteId, op.personId, op.email]);
      return;
    case 'updateTraits':
      // Newest wins per key: an older message (delivered late) only fills keys the person lacks.
      await tx.query(
        `update persons set
           traits = case when $4 >= updated_at then traits || $3::jsonb else $3::jsonb || traits end,
           updated_at = greatest(updated_at, $4)
         where site_id = $1 and person_id = $2`,
        [siteId, op.personId, JSON.stringify(op.traits), op.at],
      );
      return;
    case 'link':
      // Two identifies of one browser at the same instant: the one applied last (later in the batch) wins.
      await tx.query(
        `insert into identity_links (site_id, anonymous_id, valid_from, person_id, verified, message_id)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (site_id, anonymous_id, valid_from) do update set
           person_id = excluded.person_id, verified = excluded.verified, message_id = excluded.message_id`,
        [siteId, op.anonymousId, op.from, op.personId, op.verified, messageId],
      );
      return;
    case 'merge':
      await mergePersons(tx, siteId, op.fromPersonId, op.intoPersonId, op.at, op.reason);
      return;
    case 'ignored':
      return;
  }
}

/**
 * Merges `from` (a root) into `into` (a root). The survivor keeps its userId and email, takes the merged
 * person's email when it has none, the earliest creation time (the lead was created then) and the traits
 * of both, the more recently updated person's winning. Chains stay flat: persons merged into `from` now
 * point at `into`. Identity links are not rewritten; they resolve through merged_into.
 */
async function mergePersons(tx: Queryable, siteId: string, from: string, into: string, at: Date, reason: string): Promise<void> {
  await tx.query(
    `update persons t set
       email = coalesce(t.email, f.email),
       traits = case when f.updated_at > t.updated_at then t.traits || f.traits else f.traits || t.traits end,
       created_at = least(t.created_at, f.created_at),
       updated_at = greatest(t.updated_at, f.updated_at, $4)
     from persons f
     where t.site_id = $1 and t.person_id = $3 and f.site_id = $1 and f.person_id = $2`,
    [siteId, from, into, at],
  );
  await tx.query(`update persons set merged_into = $3 where site_id = $1 and (person_id = $2 or merged_into = $2)`, [siteId, from, into]);
  await tx.query(`update person_merges set into_person_id = $3 where site_id = $1 and into_person_id = $2`, [siteId, from, into]);
  await tx.query(
    `insert into person_merges (site_id, from_person_id, into_person_id, merged_at, reason) values ($1, $2, $3, $4, $5)
     on conflict (site_id, from_person_id) do update set into_person_id = excluded.into_person_id, merged_at = excluded.merged_at, reason = excluded.reason`,
    [siteId, from, into, at, reason],
  );
}

/**
 * Applies identify and alias messages (in time order, possibly of several sites) to the identity graph,
 * inside the caller's transaction, and returns what each message did. Each message sees the effects of
 * the ones before it. The site lock makes the resolver's view current, so the (site_id, user_id) unique
 * index can never be hit: a userId is only given to a person when the snapshot shows nobody holds it.
 */
export async function applyIdentityMessages(tx: Queryable, messages: IdentityMessage[]): Promise<IdentityOp[][]> {
  if (messages.length === 0) return [];
  await lockSiteIdentity(
    tx,
    messages.map((m) => m.siteId),
  );
  const results: IdentityOp[][] = [];
  const changes = new Map<string, IdentityChange>();
  for (const m of messages) {
    const ops = resolveIdentity(m, await loadSnapshot(tx, m), newPersonId());
    let change = changes.get(m.siteId);
    if (!change) changes.set(m.siteId, (change = emptyIdentityChange()));
    for (const op of ops) {
      await applyOp(tx, m.siteId, m.messageId, op);
      noteChange(change, op);
    }
    results.push(ops);
  }
  for (const [siteId, change] of changes) await markSessionsUnresolved(tx, siteId, change);
  return results;
}

/** The sessions an op may move to another person (the cache of migration 0004 must forget them). */
function noteChange(change: IdentityChange, op: IdentityOp): void {
  switch (op.kind) {
    case 'link':
      // The browser's spans changed: its visits may belong to someone else now, before and after `from`.
      change.anonymousIds.add(op.anonymousId);
      return;
    case 'merge':
      // Chains are flat, so the cache names roots: the merged root's sessions move to the survivor, whose
      // lead moment becomes the earlier of the two (migration 0006), even when the merged one had no visit.
      change.personIds.add(op.fromPersonId);
      change.leadMoved.add(op.intoPersonId);
      return;
    case 'create':
      // A userId now names a person: backend touches with that userId resolve to it.
      if (op.userId !== null) change.userIds.add(op.userId);
      return;
    case 'setUserId':
      change.userIds.add(op.userId);
      return;
    default:
      return;
  }
}

/** The batch writer's hook: called inside the ingestion transaction with the messages it just stored. */
export async function applyIdentities(tx: Queryable, messages: IdentityMessage[]): Promise<void> {
  await applyIdentityMessages(tx, messages);
}
