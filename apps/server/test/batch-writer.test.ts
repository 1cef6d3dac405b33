import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchWriter } from '../src/store/batch-writer.js';
import type { Db } from '../src/store/db.js';
import type { EventRow, WriteRequest } from '../src/store/event-rows.js';
import { ApiError } from '../src/errors.js';
import { engines, openTestDb } from './helpers/engines.js';
import { interceptStatements } from './helpers/db-faults.js';

const row = (siteId: string, messageId: string, over: Partial<EventRow> = {}): EventRow => ({
  siteId,
  messageId,
  type: 'track',
  event: 'E',
  anonymousId: 'a',
  userId: null,
  sessionId: null,
  ts: new Date('2026-01-01T00:00:00Z'),
  receivedAt: new Date('2026-01-01T00:00:01Z'),
  verified: true,
  isBot: false,
  properties: null,
  traits: null,
  context: null,
  ...over,
});
const request = (events: EventRow[]): WriteRequest => ({ events, sessions: [], identities: [] });
const noIdentities = async () => {};

describe.each(engines)('batch writer on %s', (engine) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb(engine);
  });
  afterAll(() => db?.close());

  it('groups concurrent requests into few writes and acknowledges only committed rows', async () => {
    // A write is one insert statement, sent alone or inside a transaction: count those statements.
    let writes = 0;
    const counting = interceptStatements(db, (sql, send) => {
      writes += Number(sql.includes('insert into events'));
      return send();
    });
    const writer = createBatchWriter({ db: counting, applyIdentities: noIdentities, maxConcurrentFlushes: 1 });
    const site = `bw-group-${engine}-${Date.now().toString(36)}`;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write(request([row(site, `m${i}`)]))));
    expect(results.every((r) => r.inserted.size === 1)).toBe(true);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(3);
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from events where site_id = $1', [site]);
    expect(rows[0]!.n).toBe(50);
  });

  it('lets small requests gather behind a write in flight instead of writing them in parallel', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const observing: Db = {
      ...db,
      query: async (sql, params) => {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          return await db.query(sql, params);
        } finally {
          inFlight--;
        }
      },
    };
    const site = `bw-overlap-${engine}-${Date.now().toString(36)}`;
    const writeOneByOne = async (minRowsToOverlap: number) => {
      const writer = createBatchWriter({ db: observing, applyIdentities: noIdentities, maxConcurrentFlushes: 4, minRowsToOverlap });
      mostInFlight = 0;
      const writes = [];
      // One request per turn of the event loop, as requests arrive over separate connections.
      for (let i = 0; i < 20; i++) {
        writes.push(writer.write(request([row(site, `m${minRowsToOverlap}-${i}`)])));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(writes);
      return mostInFlight;
    };
    expect(await writeOneByOne(200)).toBe(1);
    if (engine === 'postgres') expect(await writeOneByOne(1)).toBeGreaterThan(1);
  });

  it('fails only the request whose rows the database refuses, not its neighbours', async () => {
    const writer = createBatchWriter({ db, applyIdentities: noIdentities, maxConcurrentFlushes: 1 });
    const site = `bw-poison-${engine}-${Date.now().toString(36)}`;
    // A NUL character is valid JSON but PostgreSQL refuses it in text: a request the database rejects.
    const outcomes = await Promise.allSettled([
      writer.write(request([row(site, 'good-1')])),
      writer.write(request([row(site, 'bad', { event: 'bad\u0000name' })])),
      writer.write(request([row(site, 'good-2')])),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const { rows } = await db.query<{ message_id: string }>('select message_id from events where site_id = $1 order by 1', [site]);
    expect(rows.map((r) => r.message_id)).toEqual(['good-1', 'good-2']);
  });

  it('answers 503 with Retry-After instead of queueing without bound', async () => {
    const writer = createBatchWriter({ db, applyIdentities: noIdentities, maxPendingRows: 3 });
    const site = `bw-overload-${engine}-${Date.now().toString(36)}`;
    const first = writer.write(request([row(site, 'a'), row(site, 'b'), row(site, 'c')]));
    const refused = await writer.write(request([row(site, 'd')])).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ statusCode: 503, code: 'LAZO_ERR_OVERLOADED', retryAfterSeconds: 2 });
    await expect(first).resolves.toMatchObject({ inserted: new Set(['a', 'b', 'c']) });
    await writer.drain();
  });

  it('rolls back the events when applying identities fails, so nothing is half-stored', async () => {
    const writer = createBatchWriter({
      db,
      applyIdentities: async () => {
        throw new Error('identity failure');
      },
    });
    const site = `bw-rollback-${engine}-${Date.now().toString(36)}`;
    const req: WriteRequest = {
      events: [row(site, 'i1', { type: 'identify' })],
      sessions: [],
      identities: [{ siteId: site, messageId: 'i1', type: 'identify', anonymousId: 'a', userId: 'u', previousId: null, traits: {}, ts: new Date(), verified: true }],
    };
    await expect(writer.write(req)).rejects.toThrow('identity failure');
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from events where site_id = $1', [site]);
    expect(rows[0]!.n).toBe(0);
  });
});
