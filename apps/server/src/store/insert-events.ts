import type { Queryable } from './db.js';
import type { EventRow, SessionTouch } from './event-rows.js';

/** The visit's landing touch: replaced when a message older than the visit's start arrives. */
const LANDING_TOUCH_COLUMNS = [
  'source', 'medium', 'campaign', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'utm_id',
  'click_ids', 'referrer', 'landing_url', 'landing_path',
];
const LANDING_TOUCH_UPDATE = LANDING_TOUCH_COLUMNS.map((c) => `${c} = case when excluded.started_at < s.started_at then excluded.${c} else s.${c} end`).join(',\n        ');

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Stores events and upserts their sessions in one statement (one round trip): events are inserted with
 * ON CONFLICT DO NOTHING, and only the events actually inserted count towards their session, so a
 * retried batch changes nothing. Rows are sorted by key so concurrent writers lock in the same order.
 */
export async function insertEventsAndSessions(tx: Queryable, events: EventRow[], touches: SessionTouch[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const e = [...events].sort((a, b) => (a.siteId + a.messageId < b.siteId + b.messageId ? -1 : 1));
  const s = [...touches].sort((a, b) => (a.siteId + a.sessionId < b.siteId + b.sessionId ? -1 : 1));
  const { rows } = await tx.query<{ message_id: string; site_id: string }>(
    /* sql */ `
    with ev as (
      insert into events (site_id, message_id, type, event, anonymous_id, user_id, session_id, ts, received_at,
                          verified, is_bot, properties, traits, context)
      select site_id, message_id, type, event, anonymous_id, user_id, session_id, ts, received_at, verified, is_bot,
             properties::jsonb, traits::jsonb, context::jsonb
      from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                  $8::timestamptz[], $9::timestamptz[], $10::bool[], $11::bool[], $12::text[], $13::text[], $14::text[])
        as t(site_id, message_id, type, event, anonymous_id, user_id, session_id, ts, received_at, verified, is_bot,
             properties, traits, context)
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
      select * from unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[],
                           $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::text[],
                           $29::text[], $30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[],
                           $36::text[], $37::bool[])
        as t(site_id, session_id, anonymous_id, user_id, source, medium, campaign, utm_source, utm_medium, utm_campaign,
             utm_term, utm_content, utm_id, click_ids, referrer, landing_url, landing_path, browser, browser_version,
             os, os_version, device_type, is_bot)
    ),
    upserted as (
      insert into sessions as s (site_id, session_id, anonymous_id, user_id, started_at, last_seen_at, source, medium, campaign,
                            utm_source, utm_medium, utm_campaign, utm_term, utm_content, utm_id, click_ids, referrer,
                            landing_url, landing_path, browser, browser_version, os, os_version, device_type, is_bot,
                            pageviews, events)
      select c.site_id, c.session_id, t.anonymous_id, t.user_id, c.first_at, c.last_at, t.source, t.medium, t.campaign,
             t.utm_source, t.utm_medium, t.utm_campaign, t.utm_term, t.utm_content, t.utm_id, t.click_ids::jsonb, t.referrer,
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
        user_id = coalesce(s.user_id, excluded.user_id)
      returning 1
    )
    select site_id, message_id from ev`,
    [
      e.map((r) => r.siteId),
      e.map((r) => r.messageId),
      e.map((r) => r.type),
      e.map((r) => r.event),
      e.map((r) => r.anonymousId),
      e.map((r) => r.userId),
      e.map((r) => r.sessionId),
      e.map((r) => r.ts),
      e.map((r) => r.receivedAt),
      e.map((r) => r.verified),
      e.map((r) => r.isBot),
      e.map((r) => json(r.properties)),
      e.map((r) => json(r.traits)),
      e.map((r) => json(r.context)),
      s.map((r) => r.siteId),
      s.map((r) => r.sessionId),
      s.map((r) => r.anonymousId),
      s.map((r) => r.userId),
      s.map((r) => r.source),
      s.map((r) => r.medium),
      s.map((r) => r.campaign),
      s.map((r) => r.utmSource),
      s.map((r) => r.utmMedium),
      s.map((r) => r.utmCampaign),
      s.map((r) => r.utmTerm),
      s.map((r) => r.utmContent),
      s.map((r) => r.utmId),
      s.map((r) => json(r.clickIds)),
      s.map((r) => r.referrer),
      s.map((r) => r.landingUrl),
      s.map((r) => r.landingPath),
      s.map((r) => r.browser),
      s.map((r) => r.browserVersion),
      s.map((r) => r.os),
      s.map((r) => r.osVersion),
      s.map((r) => r.deviceType),
      s.map((r) => r.isBot),
    ],
  );
  return new Set(rows.map((r) => r.site_id + '\u0000' + r.message_id));
}
