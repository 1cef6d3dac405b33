import { classifyChannel } from './channels.js';
import {
  DEVICES,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  NPS_WEIGHTS,
  PAGE_TITLES,
  SITE_PAGES,
  TRAFFIC_SOURCES,
  type DemoTrafficSource,
} from './demo-catalog.js';
import { createRandom, geometric, pick, randomInt, randomUuid, weightedPicker, type Random } from './prng.js';
import { deriveTouch } from './touch.js';
import type { DemoChunk, DemoConversion, DemoDataOptions, DemoIdentify, DemoPageview, DemoPerson, DemoSession, DemoSpendRow } from './demo-types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
/** 25 pageviews, at most 3 minutes apart, and the checkout page. */
const MAX_SESSION_MS = 80 * MINUTE_MS;

interface Plan {
  seed: number;
  persons: number;
  leads: number;
  customers: number;
  days: number;
  start: number;
  end: number;
  host: string;
  /** Mean sessions per person by stage. */
  meanSessions: Record<DemoPerson['stage'], number>;
  /** a·i + b mod persons is a permutation of the persons: it deals out stages in exact numbers. */
  stride: number;
  /** Paid clicks per traffic source (index) per day, for spend. */
  clicks: Map<number, Float64Array>;
  /** Derived touches by source and referrer. */
  touches: Map<string, DemoSession['touch']>;
}

// Pickers built once: each draw is then a binary search over cumulative weights.
const pickDeviceCount = weightedPicker([1, 2, 3], (n) => ({ 1: 75, 2: 20, 3: 5 })[n]!);
const pickDevice = weightedPicker(DEVICES, (d) => d.weight);
const pickPage = weightedPicker(SITE_PAGES, (p) => p.weight);
const pickNps = weightedPicker([...NPS_WEIGHTS.keys()], (score) => NPS_WEIGHTS[score]!);

/**
 * Source pickers by [where in the journey][stage]: a first visit, a later visit, a later visit of a known
 * lead (newsletters allowed); weights share × quality^0 for visitors, ^1 for leads, ^2 for customers.
 */
const pickSource = [
  (src: DemoTrafficSource) => src.phase === 'any',
  (src: DemoTrafficSource) => src.phase !== 'lead',
  () => true,
].map((allowed) =>
  [0, 1, 2].map((power) =>
    weightedPicker(
      TRAFFIC_SOURCES.map((_, i) => i),
      (i) => (allowed(TRAFFIC_SOURCES[i]!) ? TRAFFIC_SOURCES[i]!.share * TRAFFIC_SOURCES[i]!.quality ** power : 0),
    ),
  ),
);

/** Each source's UTM query string, e.g. `utm_source=google&utm_medium=cpc&utm_campaign=brand_search`. */
const UTM_QUERIES = TRAFFIC_SOURCES.map(({ landing: { utm } }) =>
  Object.entries(utm ?? {})
    .map(([k, v]) => `utm_${k === 'name' ? 'campaign' : k}=${encodeURIComponent(v)}`)
    .join('&'),
);

const TITLES = new Map<string, string>([['/checkout/complete', 'Thank you — Summitgear']]);
for (const path of [...SITE_PAGES.map((p) => p.path), ...TRAFFIC_SOURCES.flatMap((s) => s.landingPaths)]) {
  const slug = path.slice(path.lastIndexOf('/') + 1).replaceAll('-', ' ');
  TITLES.set(path, PAGE_TITLES[path] ?? `${slug.charAt(0).toUpperCase()}${slug.slice(1)} — Summitgear`);
}

const emptyChunk = (): DemoChunk => ({ persons: [], sessions: [], identifies: [], tracks: [], offlineTouches: [], conversions: [], spend: [] });

/**
 * Generates a deterministic demo data set: people with sessions across channels, leads, customers
 * (some converting offline after a call), NPS answers and ad spend. Yields chunks so that a million
 * sessions need not be held at once; the same options (whatever the chunk size) give the same records.
 */
export function* generateDemoData(options: DemoDataOptions): Generator<DemoChunk, void, undefined> {
  const plan = makePlan(options);
  const chunkSize = options.chunkSize ?? 1000;
  if (!(Number.isInteger(chunkSize) && chunkSize > 0)) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  let chunk = emptyChunk();
  for (let i = 0; i < plan.persons; i++) {
    addPerson(plan, i, chunk);
    if (chunk.persons.length === chunkSize && i < plan.persons - 1) {
      yield chunk;
      chunk = emptyChunk();
    }
  }
  chunk.spend = spendRows(plan);
  yield chunk;
}

/** All chunks merged into one; for small data sets and tests. */
export function collectDemoData(options: DemoDataOptions): DemoChunk {
  const all = emptyChunk();
  for (const chunk of generateDemoData(options)) {
    // A loop, not push(...list): spreading a chunk of 100,000 records would overflow the call stack.
    for (const key of Object.keys(all) as Array<keyof DemoChunk>) for (const record of chunk[key]) (all[key] as unknown[]).push(record);
  }
  return all;
}

function makePlan(options: DemoDataOptions): Plan {
  const persons = options.persons ?? 1000;
  const leads = options.leads ?? Math.round(persons * 0.25);
  const customers = options.customers ?? Math.round(persons * 0.1);
  const sessions = options.sessions ?? persons * 4;
  const days = options.days ?? 90;
  const seed = options.seed ?? 1;
  const count = (name: string, v: number, min = 0) => {
    if (!(Number.isInteger(v) && v >= min)) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  count('persons', persons);
  count('leads', leads);
  count('customers', customers);
  count('sessions', sessions);
  count('days', days, 1);
  count('seed', seed, Number.MIN_SAFE_INTEGER);
  if (customers > leads || leads > persons) throw new RangeError(`need customers ≤ leads ≤ persons, got ${customers}, ${leads}, ${persons}`);
  const endDay = typeof options.endDate === 'number' ? options.endDate : Date.parse(`${options.endDate}T00:00:00Z`);
  if (!Number.isFinite(endDay)) throw new RangeError(`endDate must be YYYY-MM-DD or ms since the epoch, got ${String(options.endDate)}`);
  const end = Math.floor(endDay / DAY_MS) * DAY_MS + DAY_MS - 1;
  const start = end + 1 - days * DAY_MS;

  // Buyers visit more often than leads, leads more than visitors; visitors take what is left of the target.
  const perPerson = persons > 0 ? sessions / persons : 0;
  const visitors = persons - leads;
  const rest = persons * perPerson - customers * 2.5 * perPerson - (leads - customers) * 1.8 * perPerson;
  const meanSessions = { customer: 2.5 * perPerson, lead: 1.8 * perPerson, visitor: visitors > 0 ? Math.max(1, rest / visitors) : 1 };
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const stride = [7919, 104729, 1299709, 15485863].find((p) => gcd(p, Math.max(persons, 1)) === 1) ?? 1;
  return { seed, persons, leads, customers, days, start, end, host: options.host ?? 'www.summitgear.example', meanSessions, stride, clicks: new Map(), touches: new Map() };
}

function stageOf(plan: Plan, i: number): DemoPerson['stage'] {
  const rank = (plan.stride * i + (plan.seed >>> 0)) % plan.persons;
  return rank < plan.customers ? 'customer' : rank < plan.leads ? 'lead' : 'visitor';
}

function addPerson(plan: Plan, index: number, out: DemoChunk): void {
  const random = createRandom(plan.seed, index + 1); // stream 0 is the spend's
  const stage = stageOf(plan, index);
  const key = `p${String(index).padStart(7, '0')}`;
  const devices = Array.from({ length: pickDeviceCount(random) }, () => ({ anonymousId: randomUuid(random), profile: pickDevice(random) }));
  const person: DemoPerson = { key, stage, anonymousIds: devices.map((d) => d.anonymousId) };
  out.persons.push(person);

  const window = plan.end - plan.start;
  // At most one visit per two hours of the window, so that every journey fits in it.
  const sessionCount = Math.min(500, Math.floor(window / (2 * 60 * MINUTE_MS)), 1 + geometric(random, plan.meanSessions[stage] - 1));
  const converts = stage === 'customer';
  const offline = converts && random() < 0.2;
  // Visits are spread with exponential gaps; a journey longer than the window has its gaps squeezed. Each
  // visit lasts at most 25 pageviews × 3 minutes; the tail leaves room for a call and purchase afterwards.
  const gapMean = Math.min(5 * DAY_MS, (0.7 * window) / sessionCount);
  const gaps = Array.from({ length: sessionCount }, (_, i) => (i === 0 ? 0 : -Math.log(1 - random()) * gapMean));
  const fixed = sessionCount * MAX_SESSION_MS + (offline ? 3 * DAY_MS : 0);
  const gapTotal = gaps.reduce((a, b) => a + b, 0);
  const room = Math.max(0, 0.98 * window - fixed);
  const squeeze = gapTotal > room ? room / gapTotal : 1;
  let at = plan.start + random() * Math.max(0, room - gapTotal * squeeze);

  const power = stage === 'customer' ? 2 : stage === 'lead' ? 1 : 0;
  const leadAt = stage === 'visitor' ? -1 : Math.floor(random() * Math.ceil(sessionCount * 0.7));
  const identifiedDevices = new Set<string>();
  let last: DemoSession | undefined;
  for (let s = 0; s < sessionCount; s++) {
    at += gaps[s]! * squeeze;
    const device = random() < 0.7 || devices.length === 1 ? devices[0]! : pick(random, devices);
    const moment = s === 0 ? 0 : leadAt >= 0 && s > leadAt ? 2 : 1;
    const sourceIndex = pickSource[moment]![power]!(random);
    const session = makeSession(plan, random, sourceIndex, Math.floor(at), key, device);
    out.sessions.push(session);
    countClick(plan, sourceIndex, session.startedAt);
    at = session.endedAt;
    last = session;

    if (leadAt >= 0 && s >= leadAt && !identifiedDevices.has(device.anonymousId)) {
      // The lead form on the first device; a login on each other device seen afterwards.
      if (identifiedDevices.size === 0) identifyLead(random, person, index);
      identifiedDevices.add(device.anonymousId);
      const when = session.pageviews[session.pageviews.length - 1]!.at;
      out.identifies.push({ personKey: key, at: when, verified: false, anonymousId: device.anonymousId, sessionId: session.sessionId, ...(person.userId ? { userId: person.userId } : {}), traits: traitsOf(person) });
      if (s === leadAt) {
        out.tracks.push({ personKey: key, at: when, event: 'Form Submitted', properties: { form: pick(random, ['newsletter_signup', 'quote_request', 'account_signup']) }, anonymousId: device.anonymousId, sessionId: session.sessionId });
      }
    }
  }
  if (converts && last) addPurchase(plan, random, person, index, last, offline, out);
}

function makeSession(plan: Plan, random: Random, sourceIndex: number, startedAt: number, personKey: string, device: { anonymousId: string; profile: (typeof DEVICES)[number] }): DemoSession {
  const source = TRAFFIC_SOURCES[sourceIndex]!;
  const { utm, clickId, referrers } = source.landing;
  const campaign: NonNullable<DemoSession['campaign']> = { ...utm };
  let query = UTM_QUERIES[sourceIndex]!;
  if (clickId) {
    const id = randomUuid(random).replaceAll('-', '');
    campaign[clickId] = id;
    query += `${query ? '&' : ''}${clickId}=${id}`;
  }
  const referrer = referrers ? pick(random, referrers) : undefined;
  const landingPath = pick(random, source.landingPaths);
  const pageviews: DemoPageview[] = [];
  let at = startedAt;
  const count = Math.min(25, 1 + geometric(random, 2.2));
  for (let i = 0; i < count; i++) {
    const path = i === 0 ? landingPath : pickPage(random).path;
    pageviews.push({ path, title: TITLES.get(path)!, at });
    at += randomInt(random, 10, 180) * 1000;
  }
  const { type, os, browser, userAgent } = device.profile;
  return {
    sessionId: randomUuid(random),
    anonymousId: device.anonymousId,
    personKey,
    startedAt,
    endedAt: at,
    landingUrl: `https://${plan.host}${landingPath}${query ? `?${query}` : ''}`,
    landingPath,
    ...(referrer ? { referrer } : {}),
    ...(Object.keys(campaign).length > 0 ? { campaign } : {}),
    touch: touchOf(plan, sourceIndex, campaign, referrer),
    device: { type, os, browser },
    userAgent,
    pageviews,
  };
}

/** The derived touch only depends on the source and referrer (click id values do not matter): computed once each. */
function touchOf(plan: Plan, sourceIndex: number, campaign: NonNullable<DemoSession['campaign']>, referrer: string | undefined): DemoSession['touch'] {
  const cacheKey = `${sourceIndex} ${referrer ?? ''}`;
  let touch = plan.touches.get(cacheKey);
  if (!touch) {
    const derived = deriveTouch({ utm: campaign, clickIds: campaign, referrer: referrer ?? null, pageHost: plan.host });
    plan.touches.set(cacheKey, (touch = { ...derived, channel: classifyChannel(derived) }));
  }
  return { ...touch };
}

function identifyLead(random: Random, person: DemoPerson, index: number): void {
  person.firstName = pick(random, FIRST_NAMES);
  person.lastName = pick(random, LAST_NAMES);
  // The index keeps addresses unique; the reserved domains keep them undeliverable.
  person.email = `${person.firstName}.${person.lastName}.${index}@${pick(random, EMAIL_DOMAINS)}`;
  // Some leads come through a form the CRM already knows (a userId); the rest get one when they buy.
  if (random() < 0.4) person.userId = `crm-${String(index).padStart(7, '0')}`;
}

function traitsOf(person: DemoPerson): DemoIdentify['traits'] {
  return { email: person.email!, ...(person.firstName ? { firstName: person.firstName } : {}), ...(person.lastName ? { lastName: person.lastName } : {}) };
}

function addPurchase(plan: Plan, random: Random, person: DemoPerson, index: number, last: DemoSession, offline: boolean, out: DemoChunk): void {
  const email = person.email!;
  // Online, the purchase is the visit's last page; offline, it follows a sales call hours or days later.
  let occurredAt = last.endedAt;
  if (!person.userId) {
    person.userId = `crm-${String(index).padStart(7, '0')}`;
    out.identifies.push({ personKey: person.key, at: occurredAt, verified: true, userId: person.userId, traits: traitsOf(person) });
  }
  const userId = person.userId;
  const items = 1 + geometric(random, 0.6);
  let value = 0;
  for (let i = 0; i < items; i++) value += pick(random, [29, 49, 79, 129, 189, 249, 349]);
  const conversion: DemoConversion = { conversionId: `demo-${plan.seed}-${index}`, personKey: person.key, type: 'customer', value, currency: 'EUR', occurredAt, email, userId };
  if (offline) {
    const call = last.endedAt + randomInt(random, 60, 48 * 60) * MINUTE_MS;
    out.offlineTouches.push({ personKey: person.key, at: call, email, userId, source: 'callcenter', medium: 'phone', campaign: '(not set)' });
    occurredAt = call + randomInt(random, 5, 40) * MINUTE_MS;
    Object.assign(conversion, { occurredAt, channel: 'callcenter', source: 'callcenter', medium: 'phone' });
  } else {
    Object.assign(conversion, { anonymousId: last.anonymousId, sessionId: last.sessionId });
    last.pageviews.push({ path: '/checkout/complete', title: TITLES.get('/checkout/complete')!, at: occurredAt });
    last.endedAt = occurredAt + 30_000;
  }
  out.conversions.push(conversion);
  if (random() < 0.35) {
    const npsAt = occurredAt + randomInt(random, 2, 14) * DAY_MS;
    const score = pickNps(random);
    if (npsAt <= plan.end) out.tracks.push({ personKey: person.key, at: npsAt, event: 'NPS Submitted', properties: { score }, userId });
  }
}

function countClick(plan: Plan, sourceIndex: number, at: number): void {
  if (TRAFFIC_SOURCES[sourceIndex]!.cpc === undefined) return;
  let days = plan.clicks.get(sourceIndex);
  if (!days) plan.clicks.set(sourceIndex, (days = new Float64Array(plan.days)));
  const day = Math.min(plan.days - 1, Math.max(0, Math.floor((at - plan.start) / DAY_MS)));
  days[day]! += 1;
}

function spendRows(plan: Plan): DemoSpendRow[] {
  const random = createRandom(plan.seed, 0);
  const rows: DemoSpendRow[] = [];
  TRAFFIC_SOURCES.forEach((source, index) => {
    const clicks = plan.clicks.get(index);
    const utm = source.landing.utm;
    if (!clicks || !utm || source.cpc === undefined) return;
    clicks.forEach((n, day) => {
      const noise = 0.8 + 0.4 * random(); // drawn for every day, so one empty day does not shift the rest
      if (n === 0) return;
      const date = new Date(plan.start + day * DAY_MS).toISOString().slice(0, 10);
      rows.push({ date, source: utm.source, medium: utm.medium, campaign: utm.name, amount: Math.round(n * source.cpc! * noise * 100) / 100, currency: 'EUR' });
    });
  });
  return rows;
}
