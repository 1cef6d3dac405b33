import type { Queryable } from './db.js';
import type { SessionState } from '../ingest/sessions.js';

/** Each visitor's latest visit, for deriving visits of messages that carry no session id. */
export async function latestSessions(db: Queryable, siteId: string, visitorKeys: string[]): Promise<Map<string, SessionState>> {
  const anonymous = visitorKeys.filter((k) => !k.startsWith('user:'));
  const users = visitorKeys.filter((k) => k.startsWith('user:')).map((k) => k.slice(5));
  const { rows } = await db.query<{ visitor_key: string; session_id: string; last_seen_at: Date; campaign_key: string }>(
    `select distinct on (visitor_key) visitor_key, session_id, last_seen_at, campaign_key from (
       select coalesce(anonymous_id, 'user:' || user_id) as visitor_key, session_id, started_at, last_seen_at,
              case when utm_source is not null or utm_medium is not null or utm_campaign is not null or click_ids is not null
                   then source || '|' || medium || '|' || campaign else '' end as campaign_key
       from sessions
       where site_id = $1 and (anonymous_id = any($2::text[]) or (anonymous_id is null and user_id = any($3::text[])))
     ) s
     order by visitor_key, started_at desc`,
    [siteId, anonymous, users],
  );
  return new Map(rows.map((r) => [r.visitor_key, { sessionId: r.session_id, lastSeenAt: r.last_seen_at.getTime(), campaignKey: r.campaign_key }]));
}
