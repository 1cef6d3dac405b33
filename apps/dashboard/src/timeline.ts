/**
 * A lead's journey as one list of dated items, drawn from the profile of GET /v1/persons/:id: visits
 * (sessions) with their pages and forms, identifications per browser, conversions, offline touches.
 * Read defensively (a field left out drops an item, never the page). Pure.
 */
import { formatMoney } from './format.js';
import { asArray, describeTouch, personDevices, pick } from './person-fields.js';

export type ItemKind = 'session' | 'page' | 'form' | 'identify' | 'conversion' | 'offline';

export interface TimelineItem {
  at: number;
  kind: ItemKind;
  title: string;
  detail?: string | undefined;
  /** The browser (anonymousId) it happened in, when known: one colour per device. */
  device?: string | undefined;
  /** Pages and forms of a visit, in order. */
  children?: TimelineItem[];
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

export function toMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

const when = (o: unknown) => toMs(pick(o, 'at', 'startedAt', 'occurredAt', 'ts', 'timestamp'));

/** A short label for a device: "mobile · iOS · Safari". */
export function describeDevice(o: unknown): string | undefined {
  const d = pick(o, 'device');
  const parts = [text(pick(d, 'type')) ?? text(pick(o, 'deviceType')), text(pick(d, 'os')) ?? text(pick(o, 'os')), text(pick(d, 'browser')) ?? text(pick(o, 'browser'))].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}

function visitSteps(s: unknown, device: string | undefined): TimelineItem[] {
  const steps: TimelineItem[] = [];
  for (const p of asArray(pick(s, 'pages', 'pageviews'))) {
    const at = when(p);
    if (at === undefined) continue;
    const path = text(pick(p, 'path', 'url'));
    const title = text(pick(p, 'title'));
    const product = text(pick(p, 'product'));
    steps.push({ at, kind: 'page', title: title ?? path ?? 'Page', detail: [title ? path : undefined, product ? `product ${product}` : undefined].filter(Boolean).join(' · ') || undefined, device });
  }
  for (const f of asArray(pick(s, 'forms'))) {
    const at = when(f);
    if (at !== undefined) steps.push({ at, kind: 'form', title: 'Form submitted', detail: text(pick(f, 'formId', 'form', 'name')), device });
  }
  return steps.sort((a, b) => a.at - b.at);
}

/** A landing page as its path: the campaign parameters in its query are already in the visit's title. */
export function landingPath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, 'http://x').pathname;
  } catch {
    return url;
  }
}

function visit(s: unknown): TimelineItem | undefined {
  const at = when(s);
  if (at === undefined) return undefined;
  const device = text(pick(s, 'anonymousId'));
  const landing = landingPath(text(pick(s, 'landingPage', 'landingPath', 'landingUrl')));
  const touch = describeTouch(s);
  // A touch a backend reported (a sales call) has no browser and no landing page.
  if (!device && !landing) return { at, kind: 'offline', title: touch ?? 'Offline touch', detail: 'reported by your backend' };
  const detail = [landing ? `landed on ${landing}` : undefined, describeDevice(s)].filter(Boolean).join(' · ');
  return { at, kind: 'session', title: touch ?? 'Visit', detail: detail || undefined, device, children: visitSteps(s, device) };
}

function conversion(c: unknown, locale?: string): TimelineItem | undefined {
  const at = when(c);
  if (at === undefined) return undefined;
  const value = Number(pick(c, 'value'));
  const amount = Number.isFinite(value) && pick(c, 'value') !== undefined ? formatMoney(value, text(pick(c, 'currency')) ?? 'EUR', locale) : undefined;
  const channel = text(pick(c, 'channel'));
  return { at, kind: 'conversion', title: `Conversion: ${text(pick(c, 'type')) ?? 'unknown type'}`, detail: [amount, channel ? `via ${channel}` : undefined].filter(Boolean).join(' · ') || undefined };
}

/** Newest first, as someone about to call the lead reads it. */
export function buildTimeline(profile: unknown, locale?: string): TimelineItem[] {
  const items: TimelineItem[] = [];
  const journey = pick(profile, 'journey');
  for (const s of Array.isArray(journey) ? journey : asArray(pick(journey, 'sessions'))) {
    const item = visit(s);
    if (item) items.push(item);
  }
  const devices = personDevices(profile);
  for (const d of devices) {
    const at = toMs(d.linkedFrom);
    if (at !== undefined) items.push({ at, kind: 'identify', title: 'Identified in this browser', device: d.anonymousId });
  }
  const created = toMs(pick(profile, 'createdAt'));
  if (created !== undefined && !devices.some((d) => d.linkedFrom !== undefined)) items.push({ at: created, kind: 'identify', title: 'Became a lead' });
  for (const c of asArray(pick(profile, 'conversions'))) {
    const item = conversion(c, locale);
    if (item) items.push(item);
  }
  return items.sort((a, b) => b.at - a.at);
}

/** The distinct devices of a timeline, oldest first, for the legend and the colours. */
export function timelineDevices(items: TimelineItem[]): string[] {
  const seen: string[] = [];
  for (const item of [...items].reverse()) if (item.device && !seen.includes(item.device)) seen.push(item.device);
  return seen;
}
