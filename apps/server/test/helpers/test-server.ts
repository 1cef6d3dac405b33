import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app.js';
import type { Db } from '../../src/store/db.js';
import { createSite, type CreatedSite } from '../../src/store/sites.js';
import { openTestDb, type EngineName } from './engines.js';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  /** A fresh site with both keys; each call isolates a test. */
  newSite(origins?: string[]): Promise<CreatedSite>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function createTestApp(engine: EngineName, options: Partial<AppOptions> = {}): Promise<TestApp> {
  const db = options.db ?? (await openTestDb(engine));
  const app = await buildApp({ rateLimitPerMinute: false, ...options, db });
  await app.ready();
  return {
    app,
    db,
    newSite: (origins = ['https://shop.example']) => createSite(db, { name: 'Test site', origins }),
    query: async (sql, params) => (await db.query(sql, params)).rows as never,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

export interface TestServer extends TestApp {
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  site: CreatedSite;
}

/** A listening server on a random loopback port with one site (for Chromium and real HTTP clients). */
export async function startTestServer(opts: { engine?: EngineName; origins?: string[] } & Partial<AppOptions> = {}): Promise<TestServer> {
  const { engine = 'pglite', origins, ...appOptions } = opts;
  const t = await createTestApp(engine, appOptions);
  const site = await t.newSite(origins ?? ['http://127.0.0.1', 'http://localhost']);
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...t, url: address, site };
}

export const basic = (key: string) => 'Basic ' + Buffer.from(key + ':').toString('base64');
