import type { PersonPage, PersonSummary } from '@lazo/protocol/persons';

/** Pages of persons: sorting and the opaque cursor (pure). */

export type PersonSort = 'score' | 'recent';

/** A row of the list, as the response carries it. */
export type ListedPerson = PersonSummary;

/** Where a page ended: the sort it belongs to, the last item's sort value and id (keyset, not offset). */
export interface ListCursor {
  sort: PersonSort;
  value: number;
  personId: string;
}

export function encodeCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.value, c.personId])).toString('base64url');
}

/** The cursor, or null when it is not one this API issued. */
export function decodeCursor(raw: string): ListCursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3) return null;
    const [sort, value, personId] = v as unknown[];
    if ((sort !== 'score' && sort !== 'recent') || typeof value !== 'number' || !Number.isFinite(value) || typeof personId !== 'string') return null;
    return { sort, value, personId };
  } catch {
    return null;
  }
}

/** What a person is sorted by: its score, or its last activity (never active sorts last). */
export function sortValue(p: ListedPerson, sort: PersonSort): number {
  return sort === 'score' ? p.score : p.lastActivityAt ? Date.parse(p.lastActivityAt) : -1;
}

/** Highest first, ties by person id; the page after `cursor`, and the cursor of the next page if any. */
export function pagePersons(all: ListedPerson[], sort: PersonSort, limit: number, cursor: ListCursor | null): PersonPage {
  const keyed = all.map((p) => ({ p, v: sortValue(p, sort) }));
  keyed.sort((a, b) => b.v - a.v || (a.p.personId < b.p.personId ? -1 : a.p.personId > b.p.personId ? 1 : 0));
  const after = cursor ? keyed.filter((k) => k.v < cursor.value || (k.v === cursor.value && k.p.personId > cursor.personId)) : keyed;
  const page = after.slice(0, limit);
  const last = page.at(-1);
  return {
    persons: page.map((k) => k.p),
    nextCursor: after.length > limit && last ? encodeCursor({ sort, value: last.v, personId: last.p.personId }) : null,
  };
}

/** A display name from the usual traits: name, else first and last name (camelCase or snake_case). */
export function displayName(traits: Record<string, unknown>): string | null {
  const s = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const full = s(traits.name);
  if (full) return full;
  const parts = [s(traits.firstName) ?? s(traits.first_name), s(traits.lastName) ?? s(traits.last_name)].filter((x): x is string => x !== null);
  return parts.length > 0 ? parts.join(' ') : null;
}
