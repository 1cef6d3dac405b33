import { SESSION_IDLE_MS } from '@lazo/protocol';

export interface SessionState {
  sessionId: string;
  lastSeenAt: number;
  /** The campaign that opened the visit ('' when it had none). */
  campaignKey: string;
}

export interface SessionInput {
  /** Who the visit belongs to: the anonymous id, or `user:<userId>` for backends without one. */
  visitorKey: string;
  at: number;
  /** Non-empty when the message carries a campaign (UTM or click id). */
  campaignKey: string;
}

/**
 * Assigns visits to messages that arrive without `context.lazo.sessionId` (Segment libraries, backends):
 * 30 idle minutes, or a message bringing a different campaign, start a new visit. `known` holds each
 * visitor's latest visit from the database and is updated in place. Inputs must be in time order.
 * The id is derived from the visitor and the visit's start, so two servers deriving it agree.
 */
export function assignSession(known: Map<string, SessionState>, input: SessionInput): string {
  const current = known.get(input.visitorKey);
  const sameVisit =
    current &&
    input.at - current.lastSeenAt < SESSION_IDLE_MS &&
    input.at >= current.lastSeenAt - SESSION_IDLE_MS &&
    (input.campaignKey === '' || input.campaignKey === current.campaignKey);
  if (current && sameVisit) {
    current.lastSeenAt = Math.max(current.lastSeenAt, input.at);
    return current.sessionId;
  }
  const sessionId = `${input.visitorKey}~${Math.floor(input.at / 1000).toString(36)}`;
  known.set(input.visitorKey, { sessionId, lastSeenAt: input.at, campaignKey: input.campaignKey });
  return sessionId;
}
