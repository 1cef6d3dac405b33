/** Largest accepted request body (a batch, or a single message), in bytes. API.md: 500 KB a body. */
export const MAX_BODY_BYTES = 500 * 1024;
/** Largest accepted single message once serialised as JSON, in bytes. API.md: 32 KB a message. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/** Most messages a batch may carry; 500 KB of the smallest valid messages stays well under this. */
export const MAX_BATCH_MESSAGES = 2_000;
/** Longest accepted identifier (messageId, anonymousId, userId, sessionId, conversionId). */
export const MAX_ID_LENGTH = 200;

/** Click identifiers carried in `context.campaign` beside the UTM fields. */
export const CLICK_ID_PARAMS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id'] as const;
export type ClickIdParam = (typeof CLICK_ID_PARAMS)[number];

/** UTM query parameter → `context.campaign` field (Segment's naming: utm_campaign travels as `name`). */
export const UTM_PARAMS = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'name',
  utm_term: 'term',
  utm_content: 'content',
  utm_id: 'id',
} as const;

export const PUBLIC_KEY_PATTERN = /^pk_[A-Za-z0-9_-]{24}$/;
export const SECRET_KEY_PATTERN = /^sk_[A-Za-z0-9_-]{32}$/;

/** A visit ends after this much inactivity (the tracker and the server's session derivation agree on it). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
