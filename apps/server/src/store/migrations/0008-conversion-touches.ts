// Purchases read from their touches, as leads are (migration 0006). Markov's funnel probed the journey of
// each of 10 k purchases for its path and tested every touch of the window against the list of who bought
// in it: together about a third of that report's work. A conversion of the kept type is a moment of its
// journey like a lead, so each touch can carry its journey's conversion moments around it, and a window's
// purchases with their paths become one range of a small index; who bought in the window is a comparison
// on the touch.
//
// conversions.visitor    a cache of the journey a conversion belongs to, as lazo_conversion_persons
// conversions.resolved   resolves it (the 64-bit hash of its journey key, or of '#' and its id when it names
//                        nobody), kept by store/session-persons.ts as sessions.visitor is: new and changed
//                        conversions, and those an identity change may move, are resolved before a report;
//                        a conversion resolved queues the journeys it left and joined.
// touches.conv_at        for the kept conversion type (KEPT_CONVERSION_TYPE, the reports' default): the
//                        journey's first conversion at or after the touch (a touch at the conversion's instant
//                        is part of its path) — the conversion whose path the touch is in, if in its lookback;
// touches.conv_value     that conversion's value (the first by conversionId of those at that instant);
// touches.prev_conv_at   the journey's last conversion before the touch: a touch whose previous touch is not
//                        after it starts its conversion's path.
// touches.prev_started_at, next_started_at   now on every touch (migration 0006 kept them up to the lead).
// touches_conversion_idx a window's conversions and their touches, covering what is read of them.
//
// Every conversion is resolved, and every journey derived again, on the next report.
export const sql = /* sql */ `
alter table conversions add column visitor bigint;
alter table conversions add column resolved boolean not null default false;
create index conversions_journey_idx on conversions (site_id, visitor, type, occurred_at, conversion_id) include (value) where visitor is not null;
create index conversions_pending_idx on conversions (site_id) where not resolved;
-- An identity change marks the conversions of the browsers and userIds it names, as it marks their sessions.
create index conversions_anonymous_idx on conversions (site_id, anonymous_id) where anonymous_id is not null;
create index conversions_user_idx on conversions (site_id, user_id) where user_id is not null;

alter table touches add column conv_at timestamptz;
alter table touches add column conv_value float8;
alter table touches add column prev_conv_at timestamptz;
create index touches_conversion_idx on touches (site_id, conv_at, visitor, started_at, kind_id)
  include (prev_kind_id, prev_started_at, next_started_at, prev_conv_at, conv_value)
  where conv_at is not null;

insert into touch_rebuilds (site_id, visitor)
select distinct site_id, visitor from touches
on conflict do nothing;
`;
