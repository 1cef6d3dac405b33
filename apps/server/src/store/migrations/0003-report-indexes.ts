// Indexes for the reports (store/reports.ts, store/journeys.ts).
//
// sessions_touch_kind_idx  the distinct (source, medium, campaign) of a site, read by a loose index scan (one
//                          probe per kind) so that each kind is classified into its channel once, in JS.
// events_track_idx         named track events of a window (NPS Submitted answers for the funnel) without
//                          reading the pageviews, which are most of the events.
export const sql = /* sql */ `
create index sessions_touch_kind_idx on sessions (site_id, source, medium, campaign);
create index events_track_idx on events (site_id, event, ts) where type = 'track';
`;
