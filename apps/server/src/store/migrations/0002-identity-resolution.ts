// Query-time identity resolution as views, so that reports, profiles and erasure share one definition of
// "whose is this visit". Nothing is materialised: stitching stays retroactive and merges stay cheap.
//
// lazo_identity_spans      one row per identity link: anonymous_id belongs to person_id (the root, after
//                          merges) for ts in [span_from, span_to). An anonymous id's first link reaches back to
//                          -infinity (retroactive stitching: what the browser did before it was identified is
//                          the person's); each link ends where the next link of the same anonymous id begins
//                          (a shared device); the last one never ends.
// lazo_user_persons        userId → root person (a merged person's userId still finds its root).
// lazo_email_persons       email (lowercased) → root person.
// lazo_session_persons     every session with person_id: the span of its anonymous_id holding started_at;
//                          when the session has no anonymous_id, or one never identified, the person of its
//                          user_id (backend touches); null = an anonymous visitor.
// lazo_event_persons       the same for events, at each event's own ts.
// lazo_conversion_persons  every conversion with resolved_person_id: its person_id (rooted), else its
//                          user_id, email, or anonymous_id at occurred_at.
//
// Cost: one window over the site's identity links (a sort of a few hundred thousand rows for 100 k
// persons) and hash joins on (site_id, anonymous_id) with the range as a join filter; no per-row subquery.
// Filters on site_id (and anonymous_id) are pushed below the window: site_id and anonymous_id are its
// partition columns. Merge chains are kept flat by the writer (store/identity.ts): persons.merged_into
// always names a root, so one hop resolves any person.
export const sql = /* sql */ `
create view lazo_identity_spans as
select l.site_id, l.anonymous_id, l.valid_from, l.verified, l.person_id as linked_person_id,
       coalesce(p.merged_into, p.person_id) as person_id,
       case when lag(l.valid_from) over w is null then '-infinity'::timestamptz else l.valid_from end as span_from,
       coalesce(lead(l.valid_from) over w, 'infinity'::timestamptz) as span_to
from identity_links l
join persons p on p.site_id = l.site_id and p.person_id = l.person_id
window w as (partition by l.site_id, l.anonymous_id order by l.valid_from);

create view lazo_user_persons as
select distinct on (site_id, user_id) site_id, user_id, coalesce(merged_into, person_id) as person_id
from persons
where user_id is not null
order by site_id, user_id, merged_into is not null, created_at;

create view lazo_email_persons as
select distinct on (site_id, email) site_id, email, coalesce(merged_into, person_id) as person_id
from persons
where email is not null
order by site_id, email, merged_into is not null, created_at;

create view lazo_session_persons as
select s.*, coalesce(sp.person_id, up.person_id) as person_id
from sessions s
left join lazo_identity_spans sp
  on sp.site_id = s.site_id and sp.anonymous_id = s.anonymous_id and s.started_at >= sp.span_from and s.started_at < sp.span_to
left join lazo_user_persons up on up.site_id = s.site_id and up.user_id = s.user_id;

create view lazo_event_persons as
select e.site_id, e.message_id, e.type, e.event, e.anonymous_id, e.user_id, e.session_id, e.ts, e.is_bot,
       coalesce(sp.person_id, up.person_id) as person_id
from events e
left join lazo_identity_spans sp
  on sp.site_id = e.site_id and sp.anonymous_id = e.anonymous_id and e.ts >= sp.span_from and e.ts < sp.span_to
left join lazo_user_persons up on up.site_id = e.site_id and up.user_id = e.user_id;

create view lazo_conversion_persons as
select c.*, coalesce(direct.root, up.person_id, ep.person_id, sp.person_id) as resolved_person_id
from conversions c
left join (select site_id, person_id, coalesce(merged_into, person_id) as root from persons) direct
  on direct.site_id = c.site_id and direct.person_id = c.person_id
left join lazo_user_persons up on up.site_id = c.site_id and up.user_id = c.user_id
left join lazo_email_persons ep on ep.site_id = c.site_id and ep.email = lower(trim(c.email))
left join lazo_identity_spans sp
  on sp.site_id = c.site_id and sp.anonymous_id = c.anonymous_id and c.occurred_at >= sp.span_from and c.occurred_at < sp.span_to
`;
