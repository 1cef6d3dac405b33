import { describe, expect, it } from 'vitest';
import { normalizeEmail, resolveIdentity, type IdentityOp, type IdentitySnapshot, type PersonState, type ResolverMessage } from '../src/identity/resolve.js';

const ts = new Date('2026-05-01T12:00:00Z');
const NEW = 'p_new';

const person = (personId: string, userId: string | null, email: string | null, userIdVerified = userId !== null): PersonState => ({ personId, userId, userIdVerified, email });
const A_EMAIL = person('A', null, 'a@x.com');
const A_UNVERIFIED = person('A', 'u-a', 'a@x.com', false);
const A_USER = person('A', 'u-a', 'a@x.com');
const B_USER = person('B', 'u-b', null);
const B_USER_EMAIL = person('B', 'u-b', 'b@x.com');

const none: IdentitySnapshot = { byUserId: null, byEmail: null, byAnonymousId: null, byPreviousId: null };

const identify = (over: Partial<ResolverMessage> = {}): ResolverMessage => ({
  type: 'identify',
  anonymousId: 'anon-1',
  userId: null,
  previousId: null,
  traits: {},
  ts,
  verified: false,
  ...over,
});
const alias = (over: Partial<ResolverMessage> = {}): ResolverMessage => identify({ type: 'alias', anonymousId: null, verified: true, ...over });

const link = (personId: string, anonymousId = 'anon-1', verified = false): IdentityOp => ({ kind: 'link', anonymousId, personId, from: ts, verified });
const create = (userId: string | null, email: string | null, verified = false, traits: Record<string, unknown> = {}): IdentityOp => ({
  kind: 'create',
  personId: NEW,
  userId,
  userIdVerified: userId !== null && verified,
  email,
  traits,
  at: ts,
});
const merge = (from: string, into: string, reason: 'email' | 'alias'): IdentityOp => ({ kind: 'merge', fromPersonId: from, intoPersonId: into, at: ts, reason });
const setUserId = (personId: string, userId: string, verified: boolean): IdentityOp => ({ kind: 'setUserId', personId, userId, verified });
const setEmail = (personId: string, email: string): IdentityOp => ({ kind: 'setEmail', personId, email });
const traits = (personId: string, t: Record<string, unknown>): IdentityOp => ({ kind: 'updateTraits', personId, traits: t, at: ts });
const ignored = (): IdentityOp => ({ kind: 'ignored', reason: expect.any(String) as unknown as string });

interface Row {
  rule: string;
  message: ResolverMessage;
  snapshot?: Partial<IdentitySnapshot>;
  ops: IdentityOp[];
}

const rows: Row[] = [
  // A person is created by the first identify carrying a userId or an email trait.
  { rule: 'first identify with a userId creates a lead and links the browser', message: identify({ userId: 'u-1' }), ops: [create('u-1', null), link(NEW)] },
  {
    rule: 'first identify with an email creates an email-only lead (email normalised)',
    message: identify({ traits: { email: '  Ann@X.com ' } }),
    ops: [create(null, 'ann@x.com', false, { email: '  Ann@X.com ' }), link(NEW)],
  },
  { rule: 'a verified identify creates a verified userId', message: identify({ userId: 'u-1', verified: true }), ops: [create('u-1', null, true), link(NEW, 'anon-1', true)] },
  { rule: 'identify without userId or email on an unknown browser creates nobody', message: identify({ traits: { plan: 'pro' } }), ops: [ignored()] },
  { rule: 'a malformed email is no identity', message: identify({ traits: { email: 'not-an-email' } }), ops: [ignored()] },
  {
    rule: 'identify without userId or email on a known browser updates its person\'s traits',
    message: identify({ traits: { plan: 'pro' } }),
    snapshot: { byAnonymousId: A_USER },
    ops: [traits('A', { plan: 'pro' })],
  },
  { rule: 'a backend identify without anonymousId creates a lead and links nothing', message: identify({ anonymousId: null, userId: 'u-1', verified: true }), ops: [create('u-1', null, true)] },

  // Linking: retroactive, cross-device, shared device.
  { rule: 'identify of an already linked browser as the same person changes no link', message: identify({ userId: 'u-a' }), snapshot: { byUserId: A_USER, byAnonymousId: A_USER }, ops: [] },
  { rule: 'another device of a known userId is linked to it (cross-device)', message: identify({ anonymousId: 'anon-2', userId: 'u-a' }), snapshot: { byUserId: A_USER }, ops: [link('A', 'anon-2')] },
  { rule: 'another device of a known email is linked to it', message: identify({ anonymousId: 'anon-2', traits: { email: 'a@x.com' } }), snapshot: { byEmail: A_EMAIL }, ops: [traits('A', { email: 'a@x.com' }), link('A', 'anon-2')] },
  {
    rule: 'shared device: a browser linked to A identified as existing B is linked to B from now on',
    message: identify({ userId: 'u-b' }),
    snapshot: { byUserId: B_USER, byAnonymousId: A_USER },
    ops: [link('B')],
  },
  {
    rule: 'shared device: a browser linked to A identified as a new userId gets a new person',
    message: identify({ userId: 'u-new' }),
    snapshot: { byAnonymousId: A_USER },
    ops: [create('u-new', null), link(NEW)],
  },
  {
    rule: 'shared device: a browser linked to A identified with another new email gets a new person',
    message: identify({ traits: { email: 'c@x.com' } }),
    snapshot: { byAnonymousId: A_EMAIL },
    ops: [create(null, 'c@x.com', false, { email: 'c@x.com' }), link(NEW)],
  },
  {
    rule: 'a known browser whose person has no email yet gives it its email (a form)',
    message: identify({ traits: { email: 'b@x.com' } }),
    snapshot: { byAnonymousId: B_USER },
    ops: [setEmail('B', 'b@x.com'), traits('B', { email: 'b@x.com' })],
  },

  // userId is authoritative.
  {
    rule: 'userId wins over an email held by a person with another userId (no merge, email stays)',
    message: identify({ userId: 'u-b', traits: { email: 'a@x.com' }, verified: true }),
    snapshot: { byUserId: B_USER, byEmail: A_USER },
    ops: [ignored(), traits('B', { email: 'a@x.com' }), link('B', 'anon-1', true)],
  },
  {
    rule: 'a new userId with an email held by another userId creates a person without that email',
    message: identify({ userId: 'u-c', traits: { email: 'a@x.com' } }),
    snapshot: { byEmail: A_USER },
    ops: [create('u-c', null, false, { email: 'a@x.com' }), ignored(), link(NEW)],
  },
  {
    rule: 'a verified identify confirms a userId a browser sent first',
    message: identify({ anonymousId: null, userId: 'u-a', verified: true }),
    snapshot: { byUserId: A_UNVERIFIED },
    ops: [setUserId('A', 'u-a', true)],
  },
  {
    rule: 'a verified identify changes the email of its userId\'s person',
    message: identify({ anonymousId: null, userId: 'u-b', traits: { email: 'new@x.com' }, verified: true }),
    snapshot: { byUserId: B_USER_EMAIL },
    ops: [setEmail('B', 'new@x.com'), traits('B', { email: 'new@x.com' })],
  },
  {
    rule: 'an unverified identify does not replace an email (traits still record it)',
    message: identify({ userId: 'u-b', traits: { email: 'new@x.com' } }),
    snapshot: { byUserId: B_USER_EMAIL, byAnonymousId: B_USER_EMAIL },
    ops: [traits('B', { email: 'new@x.com' })],
  },

  // Email-only lead later identified with a userId.
  {
    rule: 'an email-only lead identified with a new userId gets it',
    message: identify({ anonymousId: null, userId: 'crm-1', traits: { email: 'a@x.com' }, verified: true }),
    snapshot: { byEmail: A_EMAIL },
    ops: [setUserId('A', 'crm-1', true), traits('A', { email: 'a@x.com' })],
  },
  {
    rule: 'an email-only lead identified (unverified) with a new userId gets it unverified',
    message: identify({ userId: 'u-1', traits: { email: 'a@x.com' } }),
    snapshot: { byEmail: A_EMAIL, byAnonymousId: A_EMAIL },
    ops: [setUserId('A', 'u-1', false), traits('A', { email: 'a@x.com' })],
  },
  {
    rule: 'the browser\'s email-only lead identified with a new userId and no email gets it',
    message: identify({ userId: 'u-1' }),
    snapshot: { byAnonymousId: A_EMAIL },
    ops: [setUserId('A', 'u-1', false)],
  },
  {
    rule: 'an email-only lead and an existing userId: a verified identify merges the lead into the userId',
    message: identify({ anonymousId: null, userId: 'u-b', traits: { email: 'a@x.com' }, verified: true }),
    snapshot: { byUserId: B_USER, byEmail: A_EMAIL },
    ops: [merge('A', 'B', 'email'), traits('B', { email: 'a@x.com' })],
  },
  {
    rule: 'after such a merge the browser of the lead needs no new link',
    message: identify({ userId: 'u-b', traits: { email: 'a@x.com' }, verified: true }),
    snapshot: { byUserId: B_USER, byEmail: A_EMAIL, byAnonymousId: A_EMAIL },
    ops: [merge('A', 'B', 'email'), traits('B', { email: 'a@x.com' })],
  },
  {
    rule: 'an unverified identify cannot merge the email-only lead into the userId: the browser is linked, the lead stays',
    message: identify({ userId: 'u-b', traits: { email: 'a@x.com' } }),
    snapshot: { byUserId: B_USER, byEmail: A_EMAIL, byAnonymousId: A_EMAIL },
    ops: [ignored(), traits('B', { email: 'a@x.com' }), link('B')],
  },
  {
    rule: 'a verified identify replaces an unverified userId on the email-matched person',
    message: identify({ anonymousId: null, userId: 'crm-9', traits: { email: 'a@x.com' }, verified: true }),
    snapshot: { byEmail: A_UNVERIFIED },
    ops: [setUserId('A', 'crm-9', true), traits('A', { email: 'a@x.com' })],
  },
  {
    rule: 'an unverified identify cannot change a verified userId (a new person instead)',
    message: identify({ userId: 'u-evil', traits: { email: 'a@x.com' } }),
    snapshot: { byEmail: A_USER, byAnonymousId: A_USER },
    ops: [create('u-evil', null, false, { email: 'a@x.com' }), ignored(), link(NEW)],
  },
  {
    rule: 'an unverified identify cannot replace an unverified userId either',
    message: identify({ userId: 'u-other', traits: { email: 'a@x.com' } }),
    snapshot: { byEmail: A_UNVERIFIED },
    ops: [create('u-other', null, false, { email: 'a@x.com' }), ignored(), link(NEW)],
  },

  // alias (secret key).
  { rule: 'alias of two persons merges previousId\'s into userId\'s', message: alias({ previousId: 'u-a', userId: 'u-b' }), snapshot: { byPreviousId: A_USER, byUserId: B_USER }, ops: [merge('A', 'B', 'alias')] },
  { rule: 'alias of one person with itself changes nothing', message: alias({ previousId: 'u-a', userId: 'u-a' }), snapshot: { byPreviousId: A_USER, byUserId: A_USER }, ops: [ignored()] },
  { rule: 'alias from a browser\'s lead without userId gives it the userId', message: alias({ previousId: 'anon-1', userId: 'u-1' }), snapshot: { byPreviousId: A_EMAIL }, ops: [setUserId('A', 'u-1', true)] },
  {
    rule: 'alias renaming a userId makes a person for the new one and merges the old into it',
    message: alias({ previousId: 'u-a', userId: 'u-a2' }),
    snapshot: { byPreviousId: A_USER },
    ops: [create('u-a2', null, true), merge('A', NEW, 'alias')],
  },
  { rule: 'alias of an unknown previousId links it as a browser of the userId', message: alias({ previousId: 'anon-9', userId: 'u-b' }), snapshot: { byUserId: B_USER }, ops: [link('B', 'anon-9', true)] },
  { rule: 'alias of two unknown ids creates the person and links the browser', message: alias({ previousId: 'anon-9', userId: 'u-1' }), ops: [create('u-1', null, true), link(NEW, 'anon-9', true)] },
  { rule: 'alias also links the message\'s own anonymousId', message: alias({ previousId: 'u-a', userId: 'u-b', anonymousId: 'anon-3' }), snapshot: { byPreviousId: A_USER, byUserId: B_USER }, ops: [merge('A', 'B', 'alias'), link('B', 'anon-3', true)] },
  { rule: 'an unverified alias is ignored', message: alias({ previousId: 'u-a', userId: 'u-b', verified: false }), snapshot: { byPreviousId: A_USER, byUserId: B_USER }, ops: [ignored()] },
];

describe('resolveIdentity', () => {
  it.each(rows)('$rule', ({ message, snapshot, ops }) => {
    expect(resolveIdentity(message, { ...none, ...snapshot }, NEW)).toEqual(ops);
  });

  it('never gives a userId to a person when someone else holds it', () => {
    // Exhaustive over small snapshots: any op that sets or creates a userId happens only when nobody holds it.
    const people = [null, A_EMAIL, A_UNVERIFIED, A_USER, B_USER, B_USER_EMAIL];
    for (const byUserId of people) for (const byEmail of people) for (const byAnonymousId of people) for (const verified of [true, false]) {
      for (const userId of ['u-a', 'u-b', 'u-z']) {
        if (byUserId && byUserId.userId !== userId) continue;
        if (!byUserId && people.some((p) => p?.userId === userId && (p === byEmail || p === byAnonymousId))) continue;
        const ops = resolveIdentity(identify({ userId, traits: { email: 'a@x.com' }, verified }), { ...none, byUserId, byEmail, byAnonymousId }, NEW);
        for (const op of ops) {
          if (op.kind === 'create' && op.userId) expect(byUserId).toBeNull();
          if (op.kind === 'setUserId' && op.userId !== byUserId?.userId) expect(byUserId).toBeNull();
          if (op.kind === 'merge') expect(verified).toBe(true);
        }
      }
    }
  });
});

describe('normalizeEmail', () => {
  it.each([
    ['  Ann@Example.COM ', 'ann@example.com'],
    ['no-at-sign', null],
    ['two words@x.com', null],
    [42, null],
    [undefined, null],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
});
