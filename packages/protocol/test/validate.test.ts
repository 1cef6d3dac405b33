import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, validateConversion, validateMessage, validateSpendRow } from '../src/index.js';

const base = { messageId: 'm1', anonymousId: 'a1' };

describe('validateMessage', () => {
  it.each([
    ['a page', { ...base, type: 'page' }],
    ['a track', { ...base, type: 'track', event: 'Signed Up', properties: { plan: 'pro' } }],
    ['an identify with only a userId', { type: 'identify', userId: 'u1', traits: { email: 'a@b.c' } }],
    ['an alias', { type: 'alias', previousId: 'a1', userId: 'u1' }],
    ['a screen (mobile libraries)', { ...base, type: 'screen', name: 'Home' }],
    ['unknown fields (Segment adds many)', { ...base, type: 'page', _metadata: { x: 1 }, integrations: { All: true } }],
    ['timestamps with offsets', { ...base, type: 'page', timestamp: '2026-01-01T10:00:00+02:00', sentAt: '2026-01-01T08:00:01.123Z' }],
  ])('accepts %s', (_label, message) => {
    expect(validateMessage(message)).toMatchObject({ ok: true });
  });

  it.each([
    ['a non-object', 'hello', 'a message must be a JSON object'],
    ['an array', [1], 'a message must be a JSON object'],
    ['no type', { ...base }, 'type is required'],
    ['an unknown type', { ...base, type: 'purchase' }, 'type "purchase" is not supported'],
    ['a track without event', { ...base, type: 'track' }, 'event'],
    ['neither anonymousId nor userId', { type: 'page', messageId: 'm' }, 'anonymousId or userId is required'],
    ['an alias without previousId', { type: 'alias', userId: 'u1' }, 'previousId'],
    ['a bad timestamp', { ...base, type: 'page', timestamp: 'yesterday' }, 'timestamp must be an ISO 8601 date-time'],
    ['properties that are not an object', { ...base, type: 'track', event: 'x', properties: 'a' }, 'properties'],
    ['an over-long id', { ...base, type: 'page', anonymousId: 'x'.repeat(201) }, 'anonymousId'],
    ['a NUL in a nested string', { ...base, type: 'page', context: { page: { title: 'a\u0000' } } }, 'context.page.title contains a NUL'],
    ['a NUL in a key', { ...base, type: 'page', properties: { 'k\u0000': 1 } }, 'contains a NUL'],
  ])('rejects %s with a reason', (_label, message, reason) => {
    const v = validateMessage(message);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.error).toContain(reason);
  });

  it('rejects a message over 32 KB and names the limit', () => {
    const v = validateMessage({ ...base, type: 'track', event: 'Big', properties: { blob: 'x'.repeat(MAX_MESSAGE_BYTES) } });
    expect(v).toEqual({ ok: false, error: expect.stringMatching(/message is \d+ bytes; the limit is 32768 bytes/) });
  });
});

describe('validateConversion and validateSpendRow', () => {
  it.each([
    [{ conversionId: 'd1', email: 'a@b.c', type: 'customer', value: 10, currency: 'EUR' }, true, ''],
    [{ conversionId: 'd1', type: 'customer' }, false, 'one of userId, email or anonymousId is required'],
    [{ conversionId: 'd1', userId: 'u', type: 'customer', value: -1 }, false, 'value'],
    [{ conversionId: 'd1', userId: 'u', type: 'customer', occurredAt: '31/12/2026' }, false, 'occurredAt must be an ISO 8601'],
    [{ conversionId: 'd1', userId: 'u', type: 'customer', extra: 1 }, false, 'extra'],
  ])('conversion %#', (input, ok, reason) => {
    const v = validateConversion(input);
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.error).toContain(reason);
  });

  it.each([
    [{ date: '2026-01-31', source: 'google', medium: 'cpc', campaign: 'x', amount: 12.5, currency: 'EUR' }, true, ''],
    [{ date: '2026-13-45', source: 'google', amount: 1, currency: 'EUR' }, false, 'not a calendar date'],
    [{ date: '2026-01-01', source: 'google', amount: 1, currency: 'euro' }, false, 'currency'],
    [{ date: '2026-01-01', amount: 1, currency: 'EUR' }, false, 'source'],
  ])('spend row %#', (input, ok, reason) => {
    const v = validateSpendRow(input);
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.error).toContain(reason);
  });
});
