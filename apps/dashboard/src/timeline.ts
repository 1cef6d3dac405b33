/**
 * A lead's journey as one list of dated items, whatever way the profile nests it: sessions with their
 * pages and events, conversions, offline touches. Pure; the lead page only draws what this returns.
 */
import { asArray, asRecord, describeTouch, pick } from './person-fields.js';

export type ItemKind = 'session' | 'page' | 'form' | 'identify' | 'conversion' | 'offline' | 'event';

export interface TimelineItem {
  at: number;
  kind: ItemKind;
  title: string;
  detail?: string | undefined;
  /** The browser (anonymousId) it happened in, when known: one lane per device. */
  device?: string | undefined;
  /** Pages and events of a session, in order. */
  children?: TimelineItem[];
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

export function toMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

const when = (o: unknown) => toMs(pick(o, 'at', 'ts', 'timestamp', 'startedAt', 'occurredAt', 'time', 'receivedAt'));

/** A short label for a device: "mobile · iOS · Safari". */
export function describeDevice(o: unknown): string | undefined {
  const d = pick(o, 'device');
  const parts = [
    text(pick(d, 'type')) ?? text(pick(o, 'deviceType')),
    text(pick(d, 'os')) ?? text(pick(o, 'os')),
    text(pick(d, 'browser')) ?? text(pick(o, 'browser')),
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}

function eventItem(e: unknown, device: string | undefined): TimelineItem | undefined {
  const at = when(e);
  if (at === undefined) return undefined;
  const type = text(pick(e, 'type'));
  const name = text(pick(e, 'event', 'name'));
  const props = asRecord(pick(e, 'properties'));
  if (type === 'page' || (!name && text(pick(e, 'path', 'url')))) {
    const path = text(pick(e, 'path')) ?? text(pick(props, 'path')) ?? text(pick(e, 'url')) ?? text(pick(props, 'url'));
    const title = text(pick(e, 'title')) ?? text(pick(props, 'title'));
    return { at, kind: 'page', title: title ?? path ?? 'Page', detail: title ? path : undefined, device };
  }
  if (type === 'identify') {
    const traits = asRecord(pick(e, 'traits'));
    const who = text(pick(e, 'userId')) ?? text(traits.email);
    return { at, kind: 'identify', title: 'Identified', detail: who, device };
  }
  if (name && /form/i.test(name)) {
    return { at, kind: 'form', title: name, detail: text(pick(props, 'formId', 'form', 'name', 'id')), device };
  }
  if (name) return { at, kind: 'event', title: name, detail: text(pick(props, 'score')) !== undefined ? `score ${text(pick(props, 'score'))}` : undefined, device };
  return undefined;
}

function sessionItem(s: unknown): TimelineItem | undefined {
  const at = when(s);
  if (at === undefined) return undefined;
  const device = text(pick(s, 'anonymousId', 'device_id'));
  const offline = pick(s, 'offline') === true || (!device && !text(pick(s, 'landingPath', 'landingPage', 'landingUrl')));
  const touch = describeTouch(pick(s, 'touch') ?? s);
  const landing = text(pick(s, 'landingPath', 'landingPage', 'landingUrl', 'landing'));
  const children: TimelineItem[] = [];
  for (const p of asArray(pick(s, 'pages', 'pageviews'))) {
    const item = eventItem(typeof p === 'string' ? { type: 'page', path: p, at } : { type: 'page', ...asRecord(p) }, device);
    if (item) children.push(item);
  }
  for (const e of asArray(pick(s, 'events'))) {
    const item = eventItem(e, device);
    if (item) children.push(item);
  }
  children.sort((a, b) => a.at - b.at);
  if (offline) return { at, kind: 'offline', title: touch ?? 'Offline touch', detail: text(pick(s, 'event', 'name')), device, children };
  const detailParts = [landing ? `landed on ${landing}` : undefined, describeDevice(s)].filter(Boolean);
  return { at, kind: 'session', title: touch ?? 'Visit', detail: detailParts.join(' · ') || undefined, device, children };
}

function conversionItem(c: unknown): TimelineItem | undefined {
  const at = when(c);
  if (at === undefined) return undefined;
  const value = pick(c, 'value');
  const currency = text(pick(c, 'currency')) ?? '';
  const channel = text(pick(c, 'channel'));
  const amount = typeof value === 'number' || typeof value === 'string' ? `${value} ${currency}`.trim() : undefined;
  return { at, kind: 'conversion', title: `Conversion: ${text(pick(c, 'type')) ?? 'unknown type'}`, detail: [amount, channel ? `via ${channel}` : undefined].filter(Boolean).join(' · ') || undefined };
}

/** Newest first, as a call-center agent reads it. */
export function buildTimeline(profile: unknown): TimelineItem[] {
  const journey = pick(profile, 'journey');
  const sessions = Array.isArray(journey) ? journey : asArray(pick(journey, 'sessions') ?? pick(profile, 'sessions'));
  const items: TimelineItem[] = [];
  for (const s of sessions) {
    const item = sessionItem(s);
    if (item) items.push(item);
  }
  for (const t of asArray(pick(journey, 'offlineTouches') ?? pick(profile, 'offlineTouches', 'touches'))) {
    const at = when(t);
    if (at !== undefined) items.push({ at, kind: 'offline', title: describeTouch(t) ?? 'Offline touch', detail: text(pick(t, 'event', 'name')) });
  }
  for (const e of asArray(pick(journey, 'events') ?? pick(profile, 'events'))) {
    const item = eventItem(e, text(pick(e, 'anonymousId')));
    if (item) items.push(item);
  }
  for (const c of asArray(pick(profile, 'conversions') ?? pick(journey, 'conversions'))) {
    const item = conversionItem(c);
    if (item) items.push(item);
  }
  return items.sort((a, b) => b.at - a.at);
}

/** The distinct devices of a timeline, in order of first appearance, for the legend and lane colours. */
export function timelineDevices(items: TimelineItem[]): string[] {
  const seen: string[] = [];
  for (const item of [...items].reverse()) if (item.device && !seen.includes(item.device)) seen.push(item.device);
  return seen;
}
