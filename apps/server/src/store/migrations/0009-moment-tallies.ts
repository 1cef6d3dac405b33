// Markov's input for leads and purchases kept counted per day. The funnel under Markov read, beside its pass
// over every touch of the window, the window's leads' and purchases' touches in their lookback (index ranges
// of ~200,000 and ~250,000 entries at 1 M sessions) only to count per (previous kind, kind) how often a touch
// starts, follows in or ends a path. Under the reports' default lookback those counts do not depend on the
// window but through the conversion's day, so they can be kept per day and summed over a window.
//
// moment_tallies   per site, conversion type ('lead' or the kept type), UTC day of the conversion,
//                  previous kind (0: none) and kind: starts, follows, ends and the value of the conversions
//                  whose paths start and end there, of the touches in their conversion's lookback of 90
//                  days. A path's start and end are also the touches first and last touch credit. Kept by the writers of
//                  touches (store/moments.ts, tallyMomentPaths), who take a journey's paths away before
//                  deleting its touches and add them after inserting them, in one transaction.
//
// The table starts empty, equal to the sum of no touches: the touches are deleted and every journey queued,
// so that the next report derives them again (and counts them) as it did after migration 0008.
export const sql = /* sql */ `
create table moment_tallies (
  site_id text collate "C" not null,
  type text not null,
  day date not null,
  prev_kind_id integer not null,
  kind_id integer not null,
  starts bigint not null,
  follows bigint not null,
  ends bigint not null,
  start_value numeric not null,
  end_value numeric not null,
  primary key (site_id, type, day, prev_kind_id, kind_id)
);

insert into touch_rebuilds (site_id, visitor)
select distinct site_id, visitor from touches
on conflict do nothing;
delete from touches;
`;
