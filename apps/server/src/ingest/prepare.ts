import { nanoid } from 'nanoid';
import { CLICK_ID_PARAMS, MAX_MESSAGE_BYTES, UTM_PARAMS, validateMessage, type BatchRejection, type Campaign, type Message, type MessageContext } from '@lazo/protocol';
import { deriveTouch } from '@lazo/attribution';
import type { EventRow, IdentityMessage, SessionTouch, WriteRequest } from '../store/event-rows.js';
import { correctTimestamp } from './clock.js';
import { parseUserAgent } from './user-agent.js';
import { assignSession, type SessionState } from './sessions.js';

export interface PrepareInput {
  siteId: string;
  /** Sent with the site's secret key. */
  verified: boolean;
  messages: unknown[];
  /**
   * The request body's size in bytes, when known. A body within the message limit cannot hold a message
   * over it, so its messages are not serialised again to be measured.
   */
  bodyBytes?: number;
  batchSentAt?: string;
  batchContext?: MessageContext;
  receivedAt: Date;
  /** The latest visit of each visitor key, for messages without a session id. */
  loadSessions: (visitorKeys: string[]) => Promise<Map<string, SessionState>>;
}

export interface Prepared {
  request: WriteRequest;
  rejected: BatchRejection[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** `context.campaign`, or — for senders that only pass the page URL — the UTMs and click ids in it. */
function campaignOf(ctx: MessageContext | undefined): Campaign {
  if (ctx?.campaign && Object.keys(ctx.campaign).length > 0) return ctx.campaign;
  const search = ctx?.page?.search ?? (ctx?.page?.url ? safeUrl(ctx.page.url)?.search : undefined);
  if (!search) return {};
  const params = new URLSearchParams(search);
  const out: Record<string, string> = {};
  for (const [param, field] of Object.entries(UTM_PARAMS)) {
    const v = params.get(param);
    if (v) out[field] = v;
  }
  for (const id of CLICK_ID_PARAMS) {
    const v = params.get(id);
    if (v) out[id] = v;
  }
  return out;
}

function safeUrl(u: string): URL | undefined {
  try {
    return new URL(u);
  } catch {
    return undefined;
  }
}

function clickIdsOf(c: Campaign): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const id of CLICK_ID_PARAMS) if (c[id]) out[id] = c[id]!;
  return Object.keys(out).length > 0 ? out : null;
}

/** What we keep of the context: no IP, no raw user agent (privacy by construction). */
function storedContext(ctx: MessageContext): MessageContext {
  const { ip: _ip, userAgent: _ua, ...rest } = ctx;
  return rest;
}

/**
 * Validates each message on its own and turns the valid ones into rows: clock-corrected, user agent
 * reduced to parsed fields, visit assigned, landing touch derived. Invalid ones are listed with why.
 */
export async function prepareBatch(input: PrepareInput): Promise<Prepared> {
  const rejected: BatchRejection[] = [];
  const valid: { index: number; m: Message; ctx: MessageContext; at: Date }[] = [];
  const sizeBound = input.bodyBytes && input.bodyBytes <= MAX_MESSAGE_BYTES ? input.bodyBytes : undefined;
  input.messages.forEach((raw, index) => {
    const v = validateMessage(raw, sizeBound);
    const messageId = typeof (raw as { messageId?: unknown })?.messageId === 'string' ? (raw as { messageId: string }).messageId : undefined;
    if (!v.ok) return void rejected.push({ index, ...(messageId ? { messageId } : {}), error: v.error });
    const m = v.value;
    if (m.type === 'alias' && !input.verified) {
      return void rejected.push({
        index,
        ...(messageId ? { messageId } : {}),
        error: 'alias needs the secret key: it can merge two people, so send it from your backend, not the browser',
      });
    }
    // Only a batch-level context needs a merged copy; the message's own context is only read from here on.
    const ctx: MessageContext = input.batchContext ? { ...input.batchContext, ...(m.context ?? {}) } : (m.context ?? {});
    const at = correctTimestamp(input.receivedAt, m.timestamp ?? (m as { originalTimestamp?: string }).originalTimestamp, m.sentAt ?? input.batchSentAt);
    valid.push({ index, m, ctx, at });
  });

  // Visits: the tracker names its own; for the others, derive them from each visitor's latest visit.
  const needDerived = valid.filter((v) => !v.ctx.lazo?.sessionId && (v.m.type === 'page' || v.m.type === 'track'));
  const known = needDerived.length > 0 ? await input.loadSessions([...new Set(needDerived.map((v) => visitorKeyOf(v.m)))]) : new Map<string, SessionState>();

  const events: EventRow[] = [];
  const touches = new Map<string, SessionTouch>();
  const identities: IdentityMessage[] = [];
  valid.sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const { m, ctx, at } of valid) {
    const messageId = m.messageId ?? 'srv-' + nanoid();
    const campaign = campaignOf(ctx);
    const clickIds = clickIdsOf(campaign);
    const pageUrl = ctx.page?.url ? safeUrl(ctx.page.url) : undefined;
    const touch = deriveTouch({
      utm: { source: campaign.source, medium: campaign.medium, campaign: campaign.name, term: campaign.term, content: campaign.content, id: campaign.id },
      clickIds: clickIds ?? {},
      referrer: ctx.page?.referrer,
      pageHost: pageUrl?.hostname,
    });
    const hasCampaign = Boolean(campaign.source || campaign.medium || campaign.name || clickIds);
    const ua = parseUserAgent(typeof ctx.userAgent === 'string' ? ctx.userAgent : undefined);

    let sessionId: string | null = str(ctx.lazo?.sessionId);
    if (!sessionId && (m.type === 'page' || m.type === 'track')) {
      // A backend's track without a browser is a visit only when it says where it came from (an offline touch).
      if (m.anonymousId || hasCampaign) {
        sessionId = assignSession(known, {
          visitorKey: visitorKeyOf(m),
          at: at.getTime(),
          campaignKey: hasCampaign ? `${touch.source}|${touch.medium}|${touch.campaign}` : '',
        });
      }
    }

    const row: EventRow = {
      siteId: input.siteId,
      messageId,
      type: m.type === ('screen' as string) ? 'page' : m.type,
      event: m.type === 'track' ? m.event : m.type === 'page' ? str(m.name) : null,
      anonymousId: str(m.anonymousId),
      userId: str(m.userId),
      sessionId,
      ts: at,
      receivedAt: input.receivedAt,
      verified: input.verified,
      isBot: ua.isBot,
      properties: m.type === 'page' || m.type === 'track' ? (m.properties ?? null) : m.type === 'alias' ? { previousId: m.previousId } : null,
      traits: m.type === 'identify' ? (m.traits ?? null) : null,
      context: storedContext(ctx),
    };
    events.push(row);

    if (sessionId && !touches.has(sessionId)) {
      touches.set(sessionId, {
        siteId: input.siteId,
        sessionId,
        anonymousId: row.anonymousId,
        userId: row.userId,
        startedAt: at,
        source: touch.source,
        medium: touch.medium,
        campaign: touch.campaign,
        utmSource: str(campaign.source),
        utmMedium: str(campaign.medium),
        utmCampaign: str(campaign.name),
        utmTerm: str(campaign.term),
        utmContent: str(campaign.content),
        utmId: str(campaign.id),
        clickIds,
        referrer: str(ctx.page?.referrer),
        landingUrl: str(ctx.page?.url),
        landingPath: str(ctx.page?.path) ?? pageUrl?.pathname ?? null,
        ...ua,
      });
    }

    if (m.type === 'identify' || m.type === 'alias') {
      identities.push({
        siteId: input.siteId,
        messageId,
        type: m.type,
        anonymousId: row.anonymousId,
        userId: row.userId,
        previousId: m.type === 'alias' ? m.previousId : null,
        traits: (m.type === 'identify' ? m.traits : undefined) ?? {},
        ts: at,
        verified: input.verified,
      });
    }
  }
  rejected.sort((a, b) => a.index - b.index);
  return { request: { events, sessions: [...touches.values()], identities }, rejected };
}

export function visitorKeyOf(m: Message): string {
  return m.anonymousId ? m.anonymousId : `user:${m.userId}`;
}
