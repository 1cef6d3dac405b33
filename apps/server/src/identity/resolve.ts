import type { IdentityMessage } from '../store/event-rows.js';

/** What the resolver needs to know of a person: the identifiers that decide matches and merges. */
export interface PersonState {
  personId: string;
  userId: string | null;
  userIdVerified: boolean;
  email: string | null;
}

/**
 * The part of the identity graph one message touches, every person already resolved to its root
 * (after merges). `null` = nobody.
 */
export interface IdentitySnapshot {
  /** The person holding the message's userId (also when the userId is a merged person's). */
  byUserId: PersonState | null;
  /** The person holding the message's email trait (lowercased, trimmed). */
  byEmail: PersonState | null;
  /** The person the message's anonymousId belongs to at the message's time (see identity_links). */
  byAnonymousId: PersonState | null;
  /** alias only: the person `previousId` names, as a userId, else as an anonymousId at the message's time. */
  byPreviousId: PersonState | null;
}

export type IdentityOp =
  | { kind: 'create'; personId: string; userId: string | null; userIdVerified: boolean; email: string | null; traits: Record<string, unknown>; at: Date }
  | { kind: 'setUserId'; personId: string; userId: string; verified: boolean }
  | { kind: 'setEmail'; personId: string; email: string }
  | { kind: 'updateTraits'; personId: string; traits: Record<string, unknown>; at: Date }
  | { kind: 'link'; anonymousId: string; personId: string; from: Date; verified: boolean }
  | { kind: 'merge'; fromPersonId: string; intoPersonId: string; at: Date; reason: 'email' | 'alias' }
  | { kind: 'ignored'; reason: string };

export type ResolverMessage = Pick<IdentityMessage, 'type' | 'anonymousId' | 'userId' | 'previousId' | 'traits' | 'ts' | 'verified'>;

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** The email trait as identities compare it: trimmed, lowercased; null when absent or not email-shaped. */
export function normalizeEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().toLowerCase();
  return email.length <= 320 && EMAIL_SHAPE.test(email) ? email : null;
}

/**
 * Applies the identity rules of API.md to one identify or alias message and says what to change.
 * Pure: the caller loads the snapshot, supplies the id a new person would get, and applies the ops in order.
 * The choices made where API.md is silent are commented where they are made; each rule and choice has a
 * row in test/identity-resolve.test.ts.
 */
export function resolveIdentity(message: ResolverMessage, snapshot: IdentitySnapshot, newPersonId: string): IdentityOp[] {
  return message.type === 'alias' ? resolveAlias(message, snapshot, newPersonId) : resolveIdentify(message, snapshot, newPersonId);
}

class Plan {
  readonly ops: IdentityOp[] = [];
  private readonly mergedInto = new Map<string, string>();

  create(personId: string, m: ResolverMessage, userId: string | null, email: string | null): string {
    this.ops.push({ kind: 'create', personId, userId, userIdVerified: userId !== null && m.verified, email, traits: m.traits, at: m.ts });
    return personId;
  }
  merge(from: PersonState, into: string, m: ResolverMessage, reason: 'email' | 'alias') {
    this.ops.push({ kind: 'merge', fromPersonId: from.personId, intoPersonId: into, at: m.ts, reason });
    this.mergedInto.set(from.personId, into);
  }
  ignore(reason: string) {
    this.ops.push({ kind: 'ignored', reason });
  }
  /**
   * Links the message's anonymousId to `target` from the message's time, unless it already belongs to
   * `target` then. A link to someone else from `ts` on is the shared-device rule: what came before stays.
   */
  linkAnonymous(anonymousId: string | null, current: PersonState | null, target: string, m: ResolverMessage) {
    if (!anonymousId) return;
    const owner = current ? (this.mergedInto.get(current.personId) ?? current.personId) : null;
    if (owner === target) return;
    this.ops.push({ kind: 'link', anonymousId, personId: target, from: m.ts, verified: m.verified });
  }
  traits(personId: string, m: ResolverMessage) {
    if (Object.keys(m.traits).length > 0) this.ops.push({ kind: 'updateTraits', personId, traits: m.traits, at: m.ts });
  }
}

/**
 * Whether a message may put `email` on `person`: always when the person has none; a verified message may
 * also change it (the person changed their address); an unverified one never replaces an email. The
 * caller has checked that nobody else holds the email.
 */
function emailUpdate(person: PersonState, email: string | null, m: ResolverMessage): string | null {
  if (!email || person.email === email) return null;
  return person.email === null || m.verified ? email : null;
}

function resolveIdentify(m: ResolverMessage, s: IdentitySnapshot, newPersonId: string): IdentityOp[] {
  const plan = new Plan();
  const userId = m.userId;
  const email = normalizeEmail(m.traits.email);
  const linked = s.byAnonymousId;
  let target: string;

  if (userId && s.byUserId) {
    // userId is authoritative: the message is about the person holding it, whatever its email says.
    const person = s.byUserId;
    target = person.personId;
    // The site confirming a userId a browser sent first makes it verified.
    if (m.verified && !person.userIdVerified && person.userId === userId) plan.ops.push({ kind: 'setUserId', personId: target, userId, verified: true });
    const other = s.byEmail && s.byEmail.personId !== target ? s.byEmail : null;
    if (other && other.userId === null) {
      // The email-only lead is this person: merge it in — only on the site's word (a verified identify).
      if (m.verified) plan.merge(other, target, m, 'email');
      else plan.ignore('an unverified identify cannot merge two existing persons: the email-only lead stays separate');
    } else if (other) {
      // Persons with different userIds are never merged by an email match; the email stays where it is.
      plan.ignore('the email belongs to a person with another userId: not merged (only an alias merges them)');
    }
    const newEmail = other ? null : emailUpdate(person, email, m);
    if (newEmail) plan.ops.push({ kind: 'setEmail', personId: target, email: newEmail });
    // After a merge the target has the merged lead's email when it had none (the store merges identifiers).
  } else if (userId && s.byEmail) {
    const person = s.byEmail;
    if (person.userId === null) {
      // An email-only lead identified with a userId (the CRM assigned one): the lead gets it.
      target = person.personId;
      plan.ops.push({ kind: 'setUserId', personId: target, userId, verified: m.verified });
    } else if (!person.userIdVerified && m.verified) {
      // The site's word beats what a browser claimed: a verified identify replaces an unverified userId.
      target = person.personId;
      plan.ops.push({ kind: 'setUserId', personId: target, userId, verified: true });
    } else {
      // Another userId holds this email: a different person, who does not get the email.
      target = plan.create(newPersonId, m, userId, null);
      plan.ignore('the email belongs to a person with another userId: the new person does not take it');
    }
  } else if (userId && linked && linked.userId === null && (!email || linked.email === null || linked.email === email)) {
    // This browser's lead had no userId yet and nothing says it is someone else: it is that lead.
    target = linked.personId;
    plan.ops.push({ kind: 'setUserId', personId: target, userId, verified: m.verified });
    const newEmail = emailUpdate(linked, email, m);
    if (newEmail) plan.ops.push({ kind: 'setEmail', personId: target, email: newEmail });
  } else if (userId) {
    target = plan.create(newPersonId, m, userId, email);
  } else if (email && s.byEmail) {
    target = s.byEmail.personId;
  } else if (email && linked && linked.email === null) {
    // A known browser leaves its email (a form): the person linked to it has none yet, so it is theirs.
    target = linked.personId;
    plan.ops.push({ kind: 'setEmail', personId: target, email });
  } else if (email) {
    target = plan.create(newPersonId, m, null, email);
  } else if (linked) {
    // Traits only: they go to whoever this browser belongs to; no identity changes.
    plan.traits(linked.personId, m);
    return plan.ops;
  } else {
    plan.ignore('identify without a userId or an email trait creates no person (the visitor stays anonymous)');
    return plan.ops;
  }

  const created = plan.ops.some((op) => op.kind === 'create' && op.personId === target);
  if (!created) plan.traits(target, m);
  plan.linkAnonymous(m.anonymousId, linked, target, m);
  return plan.ops;
}

function resolveAlias(m: ResolverMessage, s: IdentitySnapshot, newPersonId: string): IdentityOp[] {
  const plan = new Plan();
  const userId = m.userId;
  const previousId = m.previousId;
  if (!m.verified) {
    plan.ignore('alias needs the secret key: it can merge two persons');
    return plan.ops;
  }
  if (!userId || !previousId) {
    plan.ignore('alias needs both previousId and userId');
    return plan.ops;
  }
  const previous = s.byPreviousId;
  const current = s.byUserId;
  let target: string;
  if (previous && current) {
    target = current.personId;
    if (previous.personId === target) plan.ignore('previousId and userId are already one person');
    else plan.merge(previous, target, m, 'alias');
  } else if (previous) {
    if (previous.userId === null) {
      target = previous.personId;
      plan.ops.push({ kind: 'setUserId', personId: target, userId, verified: true });
    } else {
      // A userId renamed: the new id gets a person of its own and the old one merges into it, so that
      // lookups by the old userId still find the person.
      target = plan.create(newPersonId, m, userId, null);
      plan.merge(previous, target, m, 'alias');
    }
  } else {
    // previousId names nobody yet: it is taken as an anonymousId (a browser) of the userId's person.
    target = current ? current.personId : plan.create(newPersonId, m, userId, null);
    plan.linkAnonymous(previousId, null, target, m);
  }
  if (m.anonymousId !== previousId) plan.linkAnonymous(m.anonymousId, s.byAnonymousId, target, m);
  return plan.ops;
}
