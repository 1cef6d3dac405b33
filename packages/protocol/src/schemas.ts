import { Type, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CLICK_ID_PARAMS, MAX_ID_LENGTH, MAX_MESSAGE_BYTES } from './limits.js';
import type { Conversion, Message, SpendRow } from './types.js';

const Id = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });
const OptionalId = Type.Optional(Type.Union([Id, Type.Null()]));
const Timestamp = Type.String({ maxLength: 40 });
const Dict = Type.Record(Type.String(), Type.Unknown());
const Text = Type.String({ maxLength: 2048 });

const CampaignSchema = Type.Object(
  {
    source: Type.Optional(Text),
    medium: Type.Optional(Text),
    name: Type.Optional(Text),
    term: Type.Optional(Text),
    content: Type.Optional(Text),
    id: Type.Optional(Text),
    ...Object.fromEntries(CLICK_ID_PARAMS.map((p) => [p, Type.Optional(Text)])),
  },
  { additionalProperties: true },
);

const ContextSchema = Type.Object(
  {
    campaign: Type.Optional(CampaignSchema),
    page: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Type.String({ maxLength: 8192 })),
          path: Type.Optional(Type.String({ maxLength: 8192 })),
          search: Type.Optional(Type.String({ maxLength: 8192 })),
          referrer: Type.Optional(Type.String({ maxLength: 8192 })),
          title: Type.Optional(Type.String({ maxLength: 2048 })),
        },
        { additionalProperties: true },
      ),
    ),
    lazo: Type.Optional(Type.Object({ sessionId: Type.Optional(Id) }, { additionalProperties: true })),
    userAgent: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: true },
);

const base = {
  messageId: Type.Optional(Id),
  anonymousId: OptionalId,
  userId: OptionalId,
  timestamp: Type.Optional(Timestamp),
  sentAt: Type.Optional(Timestamp),
  originalTimestamp: Type.Optional(Timestamp),
  context: Type.Optional(ContextSchema),
  integrations: Type.Optional(Dict),
};

export const PageMessageSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('page'), Type.Literal('screen')]),
    ...base,
    name: Type.Optional(Type.Union([Text, Type.Null()])),
    category: Type.Optional(Type.Union([Text, Type.Null()])),
    properties: Type.Optional(Dict),
  },
  { additionalProperties: true },
);
export const TrackMessageSchema = Type.Object(
  { type: Type.Literal('track'), ...base, event: Type.String({ minLength: 1, maxLength: 200 }), properties: Type.Optional(Dict) },
  { additionalProperties: true },
);
export const IdentifyMessageSchema = Type.Object(
  { type: Type.Literal('identify'), ...base, traits: Type.Optional(Dict) },
  { additionalProperties: true },
);
export const AliasMessageSchema = Type.Object(
  { type: Type.Literal('alias'), ...base, previousId: Id, userId: Id },
  { additionalProperties: true },
);

export const BatchRequestSchema = Type.Object(
  {
    batch: Type.Array(Type.Unknown()),
    sentAt: Type.Optional(Timestamp),
    writeKey: Type.Optional(Type.String({ maxLength: 200 })),
    context: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);

export const ConversionSchema = Type.Object(
  {
    conversionId: Id,
    userId: Type.Optional(Id),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    anonymousId: Type.Optional(Id),
    type: Type.String({ minLength: 1, maxLength: 100 }),
    value: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$' })),
    occurredAt: Type.Optional(Timestamp),
    channel: Type.Optional(Text),
    source: Type.Optional(Text),
    medium: Type.Optional(Text),
    campaign: Type.Optional(Text),
    properties: Type.Optional(Dict),
  },
  { additionalProperties: false },
);

export const SpendRowSchema = Type.Object(
  {
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    source: Type.String({ minLength: 1, maxLength: 200 }),
    medium: Type.Optional(Type.String({ maxLength: 200 })),
    campaign: Type.Optional(Type.String({ maxLength: 500 })),
    amount: Type.Number({ minimum: 0, maximum: 1e12 }),
    currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  },
  { additionalProperties: false },
);

export type ConversionInput = Static<typeof ConversionSchema>;
export type SpendRowInput = Static<typeof SpendRowSchema>;

const checkers: Record<string, TypeCheck<TSchema>> = {
  page: TypeCompiler.Compile(PageMessageSchema),
  screen: TypeCompiler.Compile(PageMessageSchema),
  track: TypeCompiler.Compile(TrackMessageSchema),
  identify: TypeCompiler.Compile(IdentifyMessageSchema),
  alias: TypeCompiler.Compile(AliasMessageSchema),
};
const conversionCheck = TypeCompiler.Compile(ConversionSchema);
const spendCheck = TypeCompiler.Compile(SpendRowSchema);

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** Describes the first schema violation as `path: what is wrong`, in words a developer can act on. */
function firstError(check: TypeCheck<TSchema>, value: unknown, what: string): string {
  const e = check.Errors(value).First();
  if (!e) return `${what} is invalid`;
  const path = e.path ? e.path.slice(1).replace(/\//g, '.') : '(root)';
  const detail = e.schema && 'maxLength' in e.schema && typeof e.value === 'string' && e.value.length > (e.schema.maxLength as number)
    ? `is longer than ${e.schema.maxLength} characters`
    : e.message.charAt(0).toLowerCase() + e.message.slice(1);
  return `${path} ${detail}`;
}

/** PostgreSQL cannot store U+0000 in text or jsonb: such a message would fail its whole batch at write time. */
function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const inner = `${path ? path + '.' : ''}${k}`;
    if (k.includes('\u0000')) return inner;
    const found = findNul(v, inner);
    if (found) return found;
  }
  return undefined;
}

function nulError(value: unknown): string | undefined {
  const path = findNul(value, '');
  return path ? `${path} contains a NUL character (\\u0000), which cannot be stored: remove it` : undefined;
}

function isValidTimestamp(s: unknown): boolean {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s));
}

/**
 * Validates one Segment-spec message on its own, so that a batch can keep its valid messages and say
 * precisely why each other one was refused. `size` is the message's serialised length when known.
 */
export function validateMessage(raw: unknown, size?: number): Validation<Message> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'a message must be a JSON object' };
  const m = raw as Record<string, unknown>;
  const bytes = size ?? Buffer.byteLength(JSON.stringify(m));
  if (bytes > MAX_MESSAGE_BYTES) return { ok: false, error: `message is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES} bytes (32 KB)` };
  const type = m.type;
  if (typeof type !== 'string') return { ok: false, error: 'type is required: one of page, track, identify, alias' };
  const check = checkers[type];
  if (!check) return { ok: false, error: `type "${String(type).slice(0, 40)}" is not supported: use page, track, identify or alias` };
  if (!check.Check(m)) return { ok: false, error: firstError(check, m, 'message') };
  if (!m.anonymousId && !m.userId) return { ok: false, error: 'anonymousId or userId is required' };
  const nul = nulError(m);
  if (nul) return { ok: false, error: nul };
  for (const f of ['timestamp', 'sentAt', 'originalTimestamp'] as const) {
    if (m[f] !== undefined && !isValidTimestamp(m[f])) return { ok: false, error: `${f} must be an ISO 8601 date-time, got "${String(m[f]).slice(0, 40)}"` };
  }
  return { ok: true, value: m as unknown as Message };
}

export function validateConversion(raw: unknown): Validation<Conversion> {
  if (!conversionCheck.Check(raw)) return { ok: false, error: firstError(conversionCheck, raw, 'conversion') };
  const nul = nulError(raw);
  if (nul) return { ok: false, error: nul };
  const c = raw as Conversion;
  if (!c.userId && !c.email && !c.anonymousId) return { ok: false, error: 'one of userId, email or anonymousId is required to know whose conversion this is' };
  if (c.occurredAt !== undefined && !isValidTimestamp(c.occurredAt)) return { ok: false, error: `occurredAt must be an ISO 8601 date-time, got "${c.occurredAt.slice(0, 40)}"` };
  return { ok: true, value: c };
}

export function validateSpendRow(raw: unknown): Validation<SpendRow> {
  if (!spendCheck.Check(raw)) return { ok: false, error: firstError(spendCheck, raw, 'spend row') };
  const nul = nulError(raw);
  if (nul) return { ok: false, error: nul };
  const r = raw as SpendRow;
  if (Number.isNaN(Date.parse(r.date))) return { ok: false, error: `date "${r.date}" is not a calendar date` };
  return { ok: true, value: r };
}
