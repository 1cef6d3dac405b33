/**
 * Reading lead profiles defensively: the persons endpoints may name a field one way or another, or leave
 * one out on an older server. Each reader returns `undefined` rather than throw. Pure.
 */

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asRecord = (v: unknown): Rec => (isRec(v) ? v : {});
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The first of `keys` that `obj` has as a non-empty value. */
export function pick(obj: unknown, ...keys: string[]): unknown {
  const r = asRecord(obj);
  for (const k of keys) if (r[k] !== undefined && r[k] !== null && r[k] !== '') return r[k];
  return undefined;
}

export const personId = (p: unknown) => str(pick(p, 'personId', 'id', 'person_id'));
export const personEmail = (p: unknown) =>
  str(pick(p, 'email')) ?? str(asArray(pick(pick(p, 'identities'), 'emails'))[0]) ?? str(pick(pick(p, 'traits'), 'email'));
export const personUserId = (p: unknown) => str(pick(p, 'userId', 'user_id')) ?? str(pick(pick(p, 'identities'), 'userId'));
export const personStage = (p: unknown) => str(pick(p, 'stage'));

export function personName(p: unknown): string | undefined {
  const traits = pick(p, 'traits');
  const name = str(pick(p, 'name')) ?? str(pick(traits, 'name'));
  if (name) return name;
  const parts = [str(pick(traits, 'firstName', 'first_name')), str(pick(traits, 'lastName', 'last_name'))].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

/** The lead score: a number, or `{total|value|points, reasons}`. */
export function personScore(p: unknown): number | undefined {
  const s = pick(p, 'score', 'leadScore');
  return num(s) ?? num(pick(s, 'total', 'value', 'points', 'score'));
}

export interface ScoreReason {
  points: number | undefined;
  reason: string;
}

export function scoreReasons(p: unknown): ScoreReason[] {
  const s = pick(p, 'score', 'leadScore');
  const list = asArray(pick(s, 'reasons') ?? pick(p, 'scoreReasons', 'reasons'));
  return list.map((r) =>
    typeof r === 'string' ? { points: undefined, reason: r } : { points: num(pick(r, 'points', 'score', 'value', 'weight')), reason: str(pick(r, 'detail', 'reason', 'label', 'description', 'signal', 'name')) ?? '' },
  );
}

/** GA4's placeholders — "(direct)", "(none)", "(organic)", "(not set)" — say nothing a reader needs. */
const meaningful = (v: string | undefined) => (v && !/^\(.*\)$/.test(v) ? v : undefined);

/** A touch as one line: "Paid Search · google / cpc · spring-sale", or just "Direct". */
export function describeTouch(t: unknown): string | undefined {
  if (typeof t === 'string') return t || undefined;
  if (!isRec(t)) return undefined;
  const channel = str(pick(t, 'channel'));
  const sm = [meaningful(str(pick(t, 'source'))), meaningful(str(pick(t, 'medium')))].filter(Boolean).join(' / ');
  const parts = [channel, sm, meaningful(str(pick(t, 'campaign')))].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}

export const firstTouch = (p: unknown) => describeTouch(pick(p, 'firstTouch', 'first_touch', 'firstSource'));

/** Anonymous ids (browsers) of the person: `identities.anonymousIds` as ids or as `{anonymousId, linkedFrom}` links. */
export function personDevices(p: unknown): Array<{ anonymousId: string; linkedFrom: string | undefined }> {
  const ids = pick(pick(p, 'identities'), 'anonymousIds') ?? pick(p, 'anonymousIds');
  return asArray(ids)
    .map((x) => (typeof x === 'string' ? { anonymousId: x, linkedFrom: undefined } : { anonymousId: str(pick(x, 'anonymousId')) ?? '', linkedFrom: str(pick(x, 'linkedFrom')) }))
    .filter((d) => d.anonymousId !== '');
}
