// The funnel's visitors per group and Markov's paths that led nowhere without a pass over every touch of the
// window. Both were counted from each touch of the window (a million at 1 M sessions, about the time of the
// bench's baseline scan of the sessions). What a touch adds to them depends on the window only where the
// touch's neighbours cross one of its edges: its previous touch (overall or in a group) or its journey's
// previous conversion before the window's first day, or its next touch, its lead or its next conversion on
// or after the window's end. Every other touch adds what it would add to a window of all time, which can be
// kept counted per day. Reports read the tallies where a window holds every touch of the site (all time, or
// a site younger than the window): a window that cuts journeys has about half its touches crossing an
// edge, and is still counted touch by touch, which costs less there.
//
// touch_tallies     per site, UTC day, previous kind (0: none) and kind, what the day's touches add to a
//                   window of all time: touches, those that start their journey (no previous touch), those
//                   first in their channel, source, medium and campaign (no previous touch in the group), and
//                   for leads and the kept type the touches of journeys that never convert that start,
//                   follow in and end a path. Kept by the writers of touches with moment_tallies
//                   (store/touch-tallies.ts), in the same transaction.
// touches_left_idx  each touch's span from the earliest of its previous days (touch, group touches, the
//                   journey's previous conversion) to its own day, and (touches_right_idx) from its day to the
//                   latest of its next days (next touch, lead, next conversion): a window's touches that cross
//                   its first or its last day are the spans that contain it (GiST).
//
// The tallies start equal to the sum of no touches, as moment_tallies did (migration 0009): the touches
// and both tallies are emptied and every journey queued, so that the next report derives them again.
//
// The spans are the readers' expressions too (store/touch-tallies.ts imports them): the planner matches a
// condition to an expression index by its expression.
export const LEFT_SPAN =
  "daterange(least(day, prev_day, prev_channel_day, prev_source_day, prev_medium_day, prev_campaign_day, (prev_conv_at at time zone 'UTC')::date), day, '(]')";
export const RIGHT_SPAN = "daterange(day, greatest(day, next_day, (lead_at at time zone 'UTC')::date, (conv_at at time zone 'UTC')::date), '(]')";

export const sql = /* sql */ `
create table touch_tallies (
  site_id text collate "C" not null,
  day date not null,
  prev_kind_id integer not null,
  kind_id integer not null,
  touches bigint not null,
  starts bigint not null,
  channel_firsts bigint not null,
  source_firsts bigint not null,
  medium_firsts bigint not null,
  campaign_firsts bigint not null,
  lead_starts bigint not null,
  lead_follows bigint not null,
  lead_ends bigint not null,
  kept_starts bigint not null,
  kept_follows bigint not null,
  kept_ends bigint not null,
  primary key (site_id, day, prev_kind_id, kind_id)
);

insert into touch_rebuilds (site_id, visitor)
select distinct site_id, visitor from touches
on conflict do nothing;
delete from touches;
delete from moment_tallies;

create index touches_left_idx on touches using gist ((${LEFT_SPAN}));
create index touches_right_idx on touches using gist ((${RIGHT_SPAN}));
`;
