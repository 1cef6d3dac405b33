import { SESSION_IDLE_MS } from '@lazo/protocol/limits';
import type { Campaign, LazoContext } from '@lazo/protocol/types';
import type { Session } from './types.js';

export interface Touch {
  campaign?: Campaign | undefined;
  referrer?: string | undefined;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The session an event at `now` belongs to. A new one starts after `idleMs` without activity, or when the
 * page carries a campaign other than the session's (a new ad click is a new visit). A new external referrer
 * alone does not split a visit: coming back from a payment page or a webmail link stays the same visit.
 */
export const nextSession = (
  previous: Session | undefined,
  now: number,
  touch: Touch,
  newId: () => string,
  idleMs = SESSION_IDLE_MS,
): Session =>
  previous && now - previous.at <= idleMs && (!touch.campaign || JSON.stringify(touch.campaign) == JSON.stringify(previous.campaign))
    ? { ...previous, at: now }
    : { ...touch, id: newId(), at: now };

/** `context.lazo.firstTouch`, plus `id`: the first session's id. */
export type FirstTouch = NonNullable<LazoContext['firstTouch']> & { id?: string };

/** The first touch of an anonymous id: the touch of its first session, where it landed and when. */
export const firstTouchOf = (session: Session, landingUrl: string): FirstTouch => ({ ...session, landingUrl, at: iso(session.at) });
