// Whose a visit is, and which touch it was, kept on the visit itself. Reports read a million sessions, and
// resolving each through the identity views of migration 0002 at query time (a window over the site's
// identity links and three hash joins per session), then labelling it by three text columns, cost most of
// every report. The views stay the definition; these columns are a cache of lazo_session_persons that
// store/session-persons.ts keeps current:
//
// person_id    the root person the view resolves the session to (null: an anonymous visitor).
// visitor      64-bit hash of the session's journey key ('p:' person, else 'a:' browser, else 'u:' userId),
//              what reports group and join on instead of text. Null until the session is first resolved.
// kind_id      the session's landing touch (source, medium, campaign) as a number of the site's touch_kinds.
// resolved     false while the cache may be behind: new sessions, and sessions an identity change (link,
//              merge, a userId given) or a late message (earlier start, new landing touch or userId) may
//              have moved. Resolved in bulk before a report reads; until then a report reads the values
//              cached before (a moment stale), and leaves out sessions never resolved (a moment old).
//
// touch_kinds            the distinct landing touches of a site, numbered from 1 in the order first resolved:
//                        reports classify each into its channel once, in JS, and map numbers to groups.
// sessions_journey_idx   a journey's touches, latest first, index-only: crediting 10 k conversions reads
//                        their journeys' sessions, and whole-population reports (visitors per day, Markov's
//                        transitions) walk every journey backwards without sorting a million rows (a window
//                        partitioned by visitor is served by it only in descending time).
// sessions_touch_kind_idx (0003) gives way to touch_kinds: one index less for every write.
//
// The identity views are redefined as lookups, with their rules unchanged. Each visit, event or conversion
// asks two functions, in the order of authority of migration 0002:
//   lazo_browser_person(site, anonymous_id, at)  the root person holding the browser at `at`: the link with
//       the greatest valid_from ≤ at, else (at predates them all) the earliest — the spans of
//       lazo_identity_spans, read through identity_links' primary key instead of a window over all links;
//   lazo_user_person(site, user_id)  the root person of a userId (unmerged holder first).
// Each asks only when the ones before found nobody. Joining a window's rows to the whole site's identity
// spans, userIds and emails cost more than the rest of a report, and resolving a few new sessions must not
// cost a pass over every link.
export const sql = /* sql */ `
create table touch_kinds (
  site_id   text not null,
  kind_id   integer not null,
  source    text not null,
  medium    text not null,
  campaign  text not null,
  primary key (site_id, kind_id),
  unique (site_id, source, medium, campaign)
);

alter table sessions add column person_id text;
alter table sessions add column visitor bigint;
alter table sessions add column kind_id integer;
alter table sessions add column resolved boolean not null default false;
create index sessions_unresolved_idx on sessions (site_id) where not resolved;
create index sessions_person_idx on sessions (site_id, person_id) where person_id is not null;
create index sessions_journey_idx on sessions (site_id, visitor, started_at desc) include (kind_id)
  where visitor is not null and not is_bot;
drop index sessions_touch_kind_idx;

create function lazo_browser_person(site text, anonymous text, at timestamptz) returns text
language sql stable as $$
  select coalesce(p.merged_into, p.person_id)
  from identity_links l join persons p on p.site_id = l.site_id and p.person_id = l.person_id
  where l.site_id = site and l.anonymous_id = anonymous
  order by l.valid_from <= at desc, case when l.valid_from <= at then l.valid_from end desc, l.valid_from
  limit 1
$$;

create function lazo_user_person(site text, user_id text) returns text
language sql stable as $$
  select coalesce(
    (select p.person_id from persons p where p.site_id = site and p.user_id = lazo_user_person.user_id and p.merged_into is null),
    (select up.person_id from lazo_user_persons up where up.site_id = site and up.user_id = lazo_user_person.user_id))
$$;

create or replace view lazo_session_persons as
select s.site_id, s.session_id, s.anonymous_id, s.user_id, s.started_at, s.last_seen_at, s.source, s.medium, s.campaign, s.utm_source, s.utm_medium, s.utm_campaign, s.utm_term, s.utm_content, s.utm_id, s.click_ids, s.referrer, s.landing_url, s.landing_path, s.browser, s.browser_version, s.os, s.os_version, s.device_type, s.is_bot, s.pageviews, s.events,
       coalesce(case when s.anonymous_id is not null then lazo_browser_person(s.site_id, s.anonymous_id, s.started_at) end,
                case when s.user_id is not null then lazo_user_person(s.site_id, s.user_id) end) as person_id
from sessions s;

create or replace view lazo_event_persons as
select e.site_id, e.message_id, e.type, e.event, e.anonymous_id, e.user_id, e.session_id, e.ts, e.is_bot,
       coalesce(case when e.anonymous_id is not null then lazo_browser_person(e.site_id, e.anonymous_id, e.ts) end,
                case when e.user_id is not null then lazo_user_person(e.site_id, e.user_id) end) as person_id
from events e;

create or replace view lazo_conversion_persons as
select c.*, coalesce(
  (select coalesce(p.merged_into, p.person_id) from persons p where p.site_id = c.site_id and p.person_id = c.person_id),
  case when c.user_id is not null then lazo_user_person(c.site_id, c.user_id) end,
  case when c.email is not null then
    (select ep.person_id from lazo_email_persons ep where ep.site_id = c.site_id and ep.email = lower(trim(c.email))) end,
  case when c.anonymous_id is not null then lazo_browser_person(c.site_id, c.anonymous_id, c.occurred_at) end
) as resolved_person_id
from conversions c;
`;
