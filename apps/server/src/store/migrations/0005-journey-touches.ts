// The touches reports read, one row per resolved, non-bot session, with what whole-population reports need
// of its neighbours in the journey precomputed. Visitors per group, visitors per day and Markov's paths that
// led nowhere were each a window or a (visitor, group) hash over every session of the window — several times a
// scan of the sessions table. With each touch knowing the day of the journey's previous touch (overall and in
// its channel, source, medium and campaign), the day of the next one and the kind of the previous one, each
// of those reports is one pass over a narrow table that counts rows under filters into a few hundred groups.
//
// touches          derived from sessions (the cache of migration 0004) and touch_kinds by
//                  store/session-persons.ts, a journey at a time, in the order (started_at, kind_id); written
//                  only under the site's identity lock. Not the definition of anything: it can be rebuilt.
//   visitor, started_at, kind_id   as on the session.
//   day            the UTC day of started_at (reports take whole UTC days).
//   prev_day, next_day, prev_kind_id   the journey's previous / next touch (null at its ends).
//   prev_channel_day … prev_campaign_day   the journey's previous touch with the same channel (as
//                  touch_kinds.channel says), source, medium or campaign: a touch in [from, to] whose
//                  previous same-group touch is before `from` is the journey's first in that group, so
//                  distinct visitors per group are a filtered count.
// touch_rebuilds   journeys whose touches are to be derived again (their sessions were resolved, moved or
//                  erased). A queue in the database, so that a crash between resolving sessions and
//                  deriving their touches loses nothing.
// touch_kinds.channel  the kind's channel under the site's rules as last classified (null: not yet). Reports
//                  check it against the channel they classify before they trust prev_channel_day.
//
// collate "C": the site id is compared by bytes in touches' index; probing ten thousand journeys paid for
// locale-aware comparison at every step of every descent.
export const sql = /* sql */ `
alter table touch_kinds add column channel text;

create table touches (
  site_id            text collate "C" not null,
  visitor            bigint not null,
  started_at         timestamptz not null,
  kind_id            integer not null,
  day                date not null,
  prev_day           date,
  next_day           date,
  prev_kind_id       integer,
  prev_channel_day   date,
  prev_source_day    date,
  prev_medium_day    date,
  prev_campaign_day  date
);
create index touches_journey_idx on touches (site_id, visitor, started_at desc, kind_id desc);
create index touches_day_idx on touches (site_id, day);

create table touch_rebuilds (
  site_id  text not null,
  visitor  bigint not null,
  primary key (site_id, visitor)
);

-- Every journey resolved so far is derived on the next report.
insert into touch_rebuilds (site_id, visitor)
select distinct site_id, visitor from sessions where visitor is not null;
`;
