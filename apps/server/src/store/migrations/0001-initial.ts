// Every table leads with site_id in its primary key: tenant isolation now, the Citus distribution
// column later (ARCHITECTURE.md). Events are append-only; everything else is keyed for upserts.
export const sql = /* sql */ `
create table sites (
  site_id            text primary key,
  name               text not null,
  public_key         text not null unique,
  secret_key_hash    text not null unique,
  secret_key_hint    text not null,
  allowed_origins    text[] not null default '{}',
  settings           jsonb not null default '{}',
  created_at         timestamptz not null default now()
);

create table events (
  site_id       text not null,
  message_id    text not null,
  type          text not null,
  event         text,
  anonymous_id  text,
  user_id       text,
  session_id    text,
  ts            timestamptz not null,
  received_at   timestamptz not null,
  verified      boolean not null,
  is_bot        boolean not null default false,
  properties    jsonb,
  traits        jsonb,
  context       jsonb,
  primary key (site_id, message_id)
);
create index events_anonymous_idx on events (site_id, anonymous_id, ts);
create index events_user_idx on events (site_id, user_id, ts) where user_id is not null;
create index events_session_idx on events (site_id, session_id);
create index events_ts_idx on events (site_id, ts);

create table sessions (
  site_id          text not null,
  session_id       text not null,
  anonymous_id     text,
  user_id          text,
  started_at       timestamptz not null,
  last_seen_at     timestamptz not null,
  source           text not null,
  medium           text not null,
  campaign         text not null,
  utm_source       text,
  utm_medium       text,
  utm_campaign     text,
  utm_term         text,
  utm_content      text,
  utm_id           text,
  click_ids        jsonb,
  referrer         text,
  landing_url      text,
  landing_path     text,
  browser          text,
  browser_version  text,
  os               text,
  os_version       text,
  device_type      text,
  is_bot           boolean not null default false,
  pageviews        integer not null default 0,
  events           integer not null default 0,
  primary key (site_id, session_id)
);
create index sessions_anonymous_idx on sessions (site_id, anonymous_id, started_at);
create index sessions_started_idx on sessions (site_id, started_at);
create index sessions_user_idx on sessions (site_id, user_id) where user_id is not null;

create table persons (
  site_id           text not null,
  person_id         text not null,
  user_id           text,
  user_id_verified  boolean not null default false,
  email             text,
  traits            jsonb not null default '{}',
  created_at        timestamptz not null,
  updated_at        timestamptz not null,
  merged_into       text,
  primary key (site_id, person_id)
);
create unique index persons_user_idx on persons (site_id, user_id) where user_id is not null and merged_into is null;
create index persons_email_idx on persons (site_id, email) where email is not null;
create index persons_merged_idx on persons (site_id, merged_into) where merged_into is not null;

-- anonymous_id belongs to person_id from valid_from on, until the next link of the same anonymous_id.
-- What an anonymous_id did before its first link belongs to that first link's person (retroactive stitching).
create table identity_links (
  site_id       text not null,
  anonymous_id  text not null,
  valid_from    timestamptz not null,
  person_id     text not null,
  verified      boolean not null,
  message_id    text,
  primary key (site_id, anonymous_id, valid_from)
);
create index identity_links_person_idx on identity_links (site_id, person_id);

create table person_merges (
  site_id         text not null,
  from_person_id  text not null,
  into_person_id  text not null,
  merged_at       timestamptz not null,
  reason          text not null,
  primary key (site_id, from_person_id)
);

create table conversions (
  site_id        text not null,
  conversion_id  text not null,
  person_id      text,
  user_id        text,
  email          text,
  anonymous_id   text,
  type           text not null,
  value          numeric(18, 4) not null default 0,
  currency       text,
  occurred_at    timestamptz not null,
  received_at    timestamptz not null,
  channel        text,
  source         text,
  medium         text,
  campaign       text,
  properties     jsonb,
  primary key (site_id, conversion_id)
);
create index conversions_person_idx on conversions (site_id, person_id);
create index conversions_occurred_idx on conversions (site_id, occurred_at);

create table spend (
  site_id   text not null,
  day       date not null,
  source    text not null,
  medium    text not null default '',
  campaign  text not null default '',
  amount    numeric(18, 4) not null,
  currency  text not null,
  updated_at timestamptz not null default now(),
  primary key (site_id, day, source, medium, campaign)
);
`;
