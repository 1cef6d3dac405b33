import type { Queryable } from './db.js';
import type { EventRow, SessionTouch } from './event-rows.js';

/** The visit's landing touch: replaced when a message older than the visit's start arrives. */
const LANDING_TOUCH_COLUMNS = [
  'source', 'medium', 'campaign', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'utm_id',
  'click_ids', 'referrer', 'landing_url', 'landing_path',
];
/** (site, id) order, the primary keys' order: concurrent writers then take row locks in the same order. */
const byKey = (siteA: string, idA: string, siteB: string, idB: string) =>
  siteA < siteB ? -1 : siteA > siteB ? 1 : idA < idB ? -1 : idA > idB ? 1 : 0;
const LANDING_TOUCH_UPDATE = LANDING_TOUCH_COLUMNS.map((c) => `${c} = case when excluded.started_at < s.started_at then excluded.${c} else s.${c} end`).join(',\n        ');

// Rows travel as one JSON parameter each (json_to_recordset): node-postgres escapes array parameters
// element by element, which cost more CPU than the rest of the insert (bench/ingest.js measured it).
const eventRecord = (r: EventRow) => ({
  site_id: r.siteId,
  message_id: r.messageId,
  type: r.type,
  event: r.event,
  anonymous_id: r.anonymousId,
  user_id: r.userId,
  session_id: r.sessionId,
  ts: r.ts,
  received_at: r.receivedAt,
  verified: r.verified,
  is_bot: r.isBot,
  properties: r.properties ?? null,
  traits: r.traits ?? null,
  context: r.context ?? null,
});
const touchRecord = (r: SessionTouch) => ({
  site_id: r.siteId,
  session_id: r.sessionId,
  anonymous_id: r.anonymousId,
  user_id: r.userId,
  source: r.source,
  medium: r.medium,
  campaign: r.campaign,
  utm_source: r.utmSource,
  utm_medium: r.utmMedium,
  utm_campaign: r.utmCampaign,
  utm_term: r.utmTerm,
  utm_content: r.utmContent,
  utm_id: r.utmId,
  click_ids: r.clickIds,
  referrer: r.referrer,
  landing_url: r.landingUrl,
  landing_path: r.landingPath,
  browser: r.browser,
  browser_version: r.browserVersion,
  os: r.os,
  os_version: r.osVersion,
  device_type: r.deviceType,
  is_bot: r.isBot,
});

/**
 * Stores events and upserts their sessions in one statement (one round trip): events are inserted with
 * ON CONFLICT DO NOTHING, and only the events actually inserted count towards their session, so a
 * retried batch changes nothing. Rows are sorted by key so concurrent writers lock in the same order.
 */
export async function insertEventsAndSessions(tx: Queryable, events: EventRow[], touches: SessionTouch[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const e = [...events].sort((a, b) => byKey(a.siteId, a.messageId, b.siteId, b.messageId));
  const s = [...touches].sort((a, b) => byKey(a.siteId, a.sessionId, b.siteId, b.sessionId));
  const { rows } = await tx.query<{ message_id: string; site_id: string }>(
    /* sql */ `
    with ev as (
      insert into events (site_id, message_id, type, event, anonymous_id, user_id, session_id, ts, received_at,
                          verified, is_bot, properties, traits, context)
      select site_id, message_id, type, event, anonymous_id, user_id, session_id, ts, received_at, verified, is_bot,
             properties, traits, context
      from json_to_recordset($1::json)
        as t(site_id text, message_id text, type text, event text, anonymous_id text, user_id text, session_id text,
             ts timestamptz, received_at timestamptz, verified boolean, is_bot boolean, properties jsonb, traits jsonb,
             context jsonb)
      on conflict (site_id, message_id) do nothing
      returning site_id, message_id, session_id, type, ts
    ),
    counted as (
      select site_id, session_id, min(ts) as first_at, max(ts) as last_at,
             count(*) filter (where type = 'page')::int as pageviews, count(*)::int as events
      from ev where session_id is not null
      group by site_id, session_id
    ),
    touch as (
      select * from json_to_recordset($2::json)
        as t(site_id text, session_id text, anonymous_id text, user_id text, source text, medium text, campaign text,
             utm_source text, utm_medium text, utm_campaign text, utm_term text, utm_content text, utm_id text,
             click_ids jsonb, referrer text, landing_url text, landing_path text, browser text, browser_version text,
             os text, os_version text, device_type text, is_bot boolean)
    ),
    upserted as (
      insert into sessions as s (site_id, session_id, anonymous_id, user_id, started_at, last_seen_at, source, medium, campaign,
                            utm_source, utm_medium, utm_campaign, utm_term, utm_content, utm_id, click_ids, referrer,
                            landing_url, landing_path, browser, browser_version, os, os_version, device_type, is_bot,
                            pageviews, events)
      select c.site_id, c.session_id, t.anonymous_id, t.user_id, c.first_at, c.last_at, t.source, t.medium, t.campaign,
             t.utm_source, t.utm_medium, t.utm_campaign, t.utm_term, t.utm_content, t.utm_id, t.click_ids, t.referrer,
             t.landing_url, t.landing_path, t.browser, t.browser_version, t.os, t.os_version, t.device_type, t.is_bot,
             c.pageviews, c.events
      from counted c
      join touch t on t.site_id = c.site_id and t.session_id = c.session_id
      order by c.site_id, c.session_id
      on conflict (site_id, session_id) do update set
        last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at),
        pageviews = s.pageviews + excluded.pageviews,
        events = s.events + excluded.events,
        is_bot = s.is_bot or excluded.is_bot,
        -- a message older than the visit's start (delivered late, e.g. from an offline queue) carries its landing touch
        started_at = least(s.started_at, excluded.started_at),
        ${LANDING_TOUCH_UPDATE},
        user_id = coalesce(s.user_id, excluded.user_id),
        -- an earlier start (another landing touch, maybe another holder of the browser) or a first userId can
        -- move the visit, and a visit found to be a bot's is no touch: its cached person and touch (migration
        -- 0004) and its journey's touches (0005) are resolved again
        resolved = s.resolved and excluded.started_at >= s.started_at and (s.user_id is not null or excluded.user_id is null)
                   and (s.is_bot or not excluded.is_bot)
      returning 1
    )
    select site_id, message_id from ev`,
    [JSON.stringify(e.map(eventRecord)), JSON.stringify(s.map(touchRecord))],
  );
  return new Set(rows.map((r) => r.site_id + '\u0000' + r.message_id));
}
