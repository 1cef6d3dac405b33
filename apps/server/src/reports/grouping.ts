import { NOT_SET, siteChannelClassifier, type Touch } from '@lazo/attribution';
import type { TouchKind } from '../store/journeys.js';
import type { Dimension } from './params.js';

const SEPARATOR = '\u001f';

/** A kind of touch, classified and labelled with the group it reports under. */
export interface GroupedKind<K extends TouchKind = TouchKind> {
  kind: K;
  /** What a journey carries for this kind: the group's dimensions, and always the channel (last_non_direct reads it). */
  touch: Touch;
  /** The row it reports under. */
  group: string;
}

/**
 * Groups touches by dimensions: each distinct (source, medium, campaign) is classified once (site rules in
 * front of GA4's) and labelled with its group key, so that SQL and the models work with a handful of groups.
 */
/** A touch's group key, kept on it (a symbol: copied by spreads, invisible to JSON and to the models). */
const GROUP_KEY = Symbol('group key');
type KeyedTouch = Touch & { [GROUP_KEY]?: string };

/** The group of touches that fail a report's filters: counted nowhere, credited to no row. */
export const EXCLUDED = '\u0000excluded';

export function createGrouping(dims: readonly Dimension[], channelRules: unknown, filters: Partial<Record<Dimension, string>> = {}) {
  const classify = siteChannelClassifier(channelRules);
  const channels = new Map<string, string>();
  const channelOf = (kind: TouchKind): string => {
    const id = kind.source + SEPARATOR + kind.medium + SEPARATOR + kind.campaign;
    let channel = channels.get(id);
    if (channel === undefined) channels.set(id, (channel = classify(kind)));
    return channel;
  };
  const valueOf = (kind: TouchKind, dim: Dimension): string => (dim === 'channel' ? channelOf(kind) : kind[dim] || NOT_SET);
  const touchValue = (touch: Touch, d: Dimension) => (d === 'channel' ? touch.channel : touch[d] || NOT_SET);
  // Channel names are compared as written; sources, mediums and campaigns are stored lowercased.
  const wanted = (Object.entries(filters) as [Dimension, string][]).map(([d, v]) => [d, d === 'channel' ? v : v.trim().toLowerCase()] as const);
  const passes = (touch: Touch) => wanted.every(([d, v]) => touchValue(touch, d) === v);
  const computeKey = (touch: Touch): string => (passes(touch) ? dims.map((d) => touchValue(touch, d)).join(SEPARATOR) : EXCLUDED);
  // Touches made by group() carry their key, and so do copies of them (a journey's touch with its time is
  // one): time_decay credits every touch of every conversion, and building the key again for each was
  // most of its time.
  const keyOfTouch = (touch: Touch): string => (touch as KeyedTouch)[GROUP_KEY] ?? computeKey(touch);
  const carried = [...new Set<Dimension>([...dims, ...wanted.map(([d]) => d)])];

  return {
    dims,
    channelOf,
    valueOf,
    /** The credit key of a journey touch (for `attribute`'s `key` option). */
    keyOfTouch,
    group<K extends TouchKind>(kind: K): GroupedKind<K> {
      const touch: KeyedTouch = { channel: channelOf(kind) };
      for (const d of carried) if (d !== 'channel') touch[d] = valueOf(kind, d);
      const group = computeKey(touch);
      touch[GROUP_KEY] = group;
      return { kind, touch, group };
    },
    /** The row fields of a group key: `{channel: 'Paid Search', campaign: 'brand'}`. */
    fields(group: string): Record<string, string> {
      const values = group.split(SEPARATOR);
      return Object.fromEntries(dims.map((d, i) => [d, values[i] ?? NOT_SET]));
    },
  };
}

export type Grouping = ReturnType<typeof createGrouping>;

/** Spend is tagged `''` where a campaign or medium is not given; sessions say `(not set)`. */
export function spendKind(source: string, medium: string, campaign: string): TouchKind {
  return { source: source || NOT_SET, medium: medium || NOT_SET, campaign: campaign || NOT_SET };
}
