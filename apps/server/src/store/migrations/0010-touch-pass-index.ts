// The pass over a window's touches, grouped as it is read. Markov's paths that led nowhere and the funnel's
// visitors per group are counted in one pass over every touch of the window, grouped by (previous kind,
// kind). Hashing each of a million rows into those groups cost more than reading it: the pass measured
// ~400 ms of one process's time at 1 M sessions, against ~290 ms when the same counts are taken from an
// index that hands the touches over in group order, read in parallel (store/journeys.ts).
//
// touches_pass_idx   the touches in (previous kind, kind) order, covering what the pass reads of them: the
//                    days it compares with the window, and the conversion moments that tell which types'
//                    paths that led nowhere keep a touch.
export const sql = /* sql */ `
create index touches_pass_idx on touches (site_id, prev_kind_id, kind_id)
  include (day, prev_day, next_day, prev_channel_day, prev_source_day, prev_medium_day, prev_campaign_day, lead_at, conv_at, prev_conv_at);
`;
