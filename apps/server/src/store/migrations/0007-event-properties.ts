// lazo_event_persons carries each event's properties. NPS by first touch read the view and joined events
// again by primary key for the score (2,757 answers: a third of that statement's time at 1 M sessions); the
// person rules are unchanged (migration 0004), the column is appended as `create or replace view` requires.
export const sql = /* sql */ `
create or replace view lazo_event_persons as
select e.site_id, e.message_id, e.type, e.event, e.anonymous_id, e.user_id, e.session_id, e.ts, e.is_bot,
       coalesce(case when e.anonymous_id is not null then lazo_browser_person(e.site_id, e.anonymous_id, e.ts) end,
                case when e.user_id is not null then lazo_user_person(e.site_id, e.user_id) end) as person_id,
       e.properties
from events e;
`;
