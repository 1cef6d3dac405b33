import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrently, openPostgres, readSnapshot, type Db, type Queryable } from '../src/store/db.js';
import { engines, openTestDb, postgresUrl } from './helpers/engines.js';

/**
 * A report's snapshot (readSnapshot): independent reads run concurrently on other connections of the pool
 * (PostgreSQL) or in turn on the one connection (PGlite), and every one of them sees the same data.
 */
describe.each(engines)('read snapshots on %s', (engine) => {
  let db: Db;
  const table = `snapshot_probe_${process.pid}`;
  beforeAll(async () => {
    db = await openTestDb(engine);
    await db.exec(`drop table if exists ${table}; create table ${table} (n int not null)`);
  });
  afterAll(async () => {
    await db?.exec(`drop table if exists ${table}`);
    await db?.close();
  });

  const count = async (q: Queryable) => Number((await q.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n);
  const backend = async (q: Queryable) => Number((await q.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);

  it('gives every branch the snapshot the report started with, rows written since included or not', async () => {
    await db.exec(`truncate ${table}; insert into ${table} values (1), (2)`);
    const seen = await readSnapshot(db, [`set local work_mem = '8MB'`], async (snapshot) => {
      const before = await count(snapshot);
      // Written and committed by another session after the snapshot was taken (PGlite has one session: it
      // cannot write while the report's transaction holds it).
      if (engine === 'postgres') await db.query(`insert into ${table} values (3)`);
      const branches = await snapshot.all([
        count,
        count,
        async (q) => (await q.query<{ w: string }>(`select current_setting('work_mem') as w`)).rows[0]!.w,
        async (q) => (await q.query<{ ro: string }>(`select current_setting('transaction_read_only') as ro`)).rows[0]!.ro,
      ]);
      return { before, branches };
    });
    expect(seen).toEqual({ before: 2, branches: [2, 2, '8MB', 'on'] });
    expect(await count(db)).toBe(engine === 'postgres' ? 3 : 2);
  });

  it('runs branches on other connections while the pool has free ones, in turn on its own when not', async () => {
    // Nothing to run is nothing to answer.
    expect(await readSnapshot(db, [], (snapshot) => snapshot.all([]))).toEqual([]);
    const pids = await readSnapshot(db, [], (snapshot) => snapshot.all([backend, backend, backend]));
    if (engine === 'pglite') {
      expect(pids).toEqual([pids[0], pids[0], pids[0]]);
      return;
    }
    expect(new Set(pids).size).toBe(3);
    // One connection: the report holds it, so its branches cannot wait for another and run on it in turn.
    const single = await openPostgres(postgresUrl!, { max: 1 });
    try {
      const [one, two] = await readSnapshot(single, [], (snapshot) => snapshot.all([backend, backend]));
      expect(two).toBe(one);
      // Nested: a branch's own branches share the snapshot too.
      const nested = await readSnapshot(db, [], (snapshot) => snapshot.all([count, (q) => concurrently(q, [count, backend])]));
      expect(nested[1][0]).toBe(nested[0]);
    } finally {
      await single.close();
    }
  });

  it('fails with the first failing branch once every branch has ended, and keeps the pool usable', async () => {
    const ended: string[] = [];
    const failure = await readSnapshot(db, [], (snapshot) =>
      snapshot.all([
        async (q) => {
          await q.query('select pg_sleep(0.2)');
          ended.push('slow');
        },
        async (q) => {
          await q.query('select * from no_such_table');
        },
      ]),
    ).catch((e: unknown) => e);
    expect(String(failure)).toMatch(/no_such_table/);
    // The slow branch ran to its end before the report's transaction was given up (on PGlite the failing
    // one runs after it, in turn).
    expect(ended).toEqual(['slow']);
    expect(await count(db)).toBeGreaterThan(0);
  });

  it('runs in turn, in order, outside a snapshot', async () => {
    const order: number[] = [];
    const results = await concurrently(db, [
      async () => (order.push(1), 'a'),
      async () => (order.push(2), 'b'),
    ]);
    expect(results).toEqual(['a', 'b']);
    expect(order).toEqual([1, 2]);
  });
});
