import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from '../errors.js';
import type { LazoServices } from '../services.js';
import { normalizeEmail } from '../identity/resolve.js';
import { decodeCursor, type PersonSort } from '../profile/person-list.js';
import { erasePerson, findPersonId, listPersons, loadProfile, loadVisitorProfile, type PersonListQuery, type PersonLookup } from '../store/persons.js';

const LOOKUP_PARAMS = ['email', 'userId', 'anonymousId'] as const;
const LIST_PARAMS = ['q', 'stage', 'sort', 'limit', 'cursor'] as const;
const MAX_ID_LENGTH = 200;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

const invalid = (detail: string) => apiError('LAZO_ERR_QUERY_INVALID', detail);
const notFound = () => apiError('LAZO_ERR_PERSON_NOT_FOUND');

/** The query as single strings: unknown and repeated parameters are refused with what to send instead. */
function readQuery(request: FastifyRequest): Map<string, string> {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    if (!(LOOKUP_PARAMS as readonly string[]).includes(key) && !(LIST_PARAMS as readonly string[]).includes(key)) {
      throw invalid(`Unknown parameter "${key.slice(0, 50)}": look a person up with one of ${LOOKUP_PARAMS.join(', ')}, or list persons with ${LIST_PARAMS.join(', ')}.`);
    }
    if (typeof value !== 'string') throw invalid(`"${key}" must be given once.`);
    if (value.length > MAX_ID_LENGTH) throw invalid(`"${key}" is longer than ${MAX_ID_LENGTH} characters.`);
    out.set(key, value);
  }
  return out;
}

function readLookup(query: Map<string, string>): PersonLookup | undefined {
  const given = LOOKUP_PARAMS.filter((k) => query.has(k));
  if (given.length === 0) return undefined;
  if (given.length > 1) throw invalid(`Look a person up by one identity at a time; got ${given.join(' and ')}.`);
  const extra = LIST_PARAMS.filter((k) => query.has(k));
  if (extra.length > 0) throw invalid(`${extra.join(', ')} belong to listing persons and cannot be combined with a lookup by ${given[0]}.`);
  const key = given[0]!;
  const value = query.get(key)!.trim();
  if (!value) throw invalid(`"${key}" is empty.`);
  if (key === 'email') {
    if (!normalizeEmail(value)) throw invalid('"email" is not an email address.');
    return { email: value };
  }
  return key === 'userId' ? { userId: value } : { anonymousId: value };
}

function readList(query: Map<string, string>): PersonListQuery {
  const stage = query.get('stage');
  if (stage !== undefined && stage !== 'lead' && stage !== 'customer') {
    throw invalid(`"stage" must be lead or customer${stage === 'visitor' ? ' (persons are leads from their first identification; look a visitor up by anonymousId)' : ''}.`);
  }
  const sort = (query.get('sort') ?? 'recent') as PersonSort;
  if (sort !== 'score' && sort !== 'recent') throw invalid('"sort" must be score or recent.');
  const limitText = query.get('limit');
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT || (limitText !== undefined && !/^\d+$/.test(limitText))) {
    throw invalid(`"limit" must be a whole number from 1 to ${MAX_LIMIT}.`);
  }
  const cursorText = query.get('cursor');
  const cursor = cursorText === undefined ? null : decodeCursor(cursorText);
  if (cursorText !== undefined && !cursor) throw invalid('"cursor" is not a cursor from a previous page: pass nextCursor as it was returned.');
  if (cursor && cursor.sort !== sort) throw invalid(`This cursor belongs to sort=${cursor.sort}: keep the same sort while paging.`);
  return { q: query.get('q'), stage, sort, limit, cursor };
}

function readId(request: FastifyRequest): string {
  const id = (request.params as { id?: string }).id ?? '';
  if (!id || id.length > MAX_ID_LENGTH) throw notFound();
  return id;
}

/** GET /v1/persons/:id, GET /v1/persons (lookup and list), DELETE /v1/persons/:id — secret key only. */
export function registerPersonRoutes(app: FastifyInstance, services: LazoServices) {
  const { db, authenticator } = services;
  const auth = { preHandler: authenticator.authenticate(true) };

  app.get('/v1/persons/:id', auth, async (request) => {
    const site = request.principal!.site;
    const root = await findPersonId(db, site.siteId, { personId: readId(request) });
    const profile = root ? await loadProfile(db, site, root) : null;
    if (!profile) throw notFound();
    return profile;
  });

  app.get('/v1/persons', auth, async (request) => {
    const site = request.principal!.site;
    const query = readQuery(request);
    const lookup = readLookup(query);
    if (!lookup) return listPersons(db, site, readList(query));
    const root = await findPersonId(db, site.siteId, lookup);
    const profile = root ? await loadProfile(db, site, root) : lookup.anonymousId ? await loadVisitorProfile(db, site, lookup.anonymousId) : null;
    if (!profile) throw notFound();
    return profile;
  });

  app.delete('/v1/persons/:id', auth, async (request) => {
    const site = request.principal!.site;
    const root = await findPersonId(db, site.siteId, { personId: readId(request) });
    const removed = root ? await erasePerson(db, site.siteId, root) : null;
    if (!root || !removed) throw notFound();
    return { personId: root, removed };
  });
}
