// Each touch knows its journey's lead moment. Crediting 25 k leads probed each lead's journey in
// touches_journey_idx (about 6 µs a probe, the largest part of the funnel's time); a lead is its person's
// first identification, one per journey, so its moment can be kept on the journey's touches, and a
// window's leads with their touches become one range of a small index.
//
// touches.lead_at          the journey's lead moment: for a person's journey, the earliest created_at among
//                          the root and the persons merged into it (what `lead` conversions are; the root's
//                          own, as a merge keeps the earlier of the two); null for the journeys of anonymous
//                          browsers and of userIds nobody holds. Derived with the other columns
//                          (store/session-persons.ts); a merge queues the survivor's journey, as its lead
//                          moment may move when no visit does.
// touches.prev_started_at  for a touch at or before its lead moment, the start of the journey's previous /
// touches.next_started_at  next touch (null at the journey's ends, and on later touches): whether the
//                          previous touch is inside a lookback and the next one after the lead, exactly.
// touches_lead_idx         a window's leads and their touches up to the lead, covering what is read of them,
//                          each lead's touches together and in its journey's order (a path is an aggregate
//                          over presorted input).
//
// The touches are derived again on the next report (the queue of migration 0005).
export const sql = /* sql */ `
alter table touches add column lead_at timestamptz;
alter table touches add column prev_started_at timestamptz;
alter table touches add column next_started_at timestamptz;
create index touches_lead_idx on touches (site_id, lead_at, visitor, started_at, kind_id)
  include (prev_kind_id, prev_started_at, next_started_at)
  where started_at <= lead_at;

insert into touch_rebuilds (site_id, visitor)
select distinct site_id, visitor from touches
on conflict do nothing;
`;
