import type { Db } from './store/db.js';
import { createBatchWriter, type BatchWriter } from './store/batch-writer.js';
import { createAuthenticator, type Authenticator } from './plugins/auth.js';
import { latestSessions } from './store/sessions-lookup.js';
import { applyIdentities } from './store/identity.js';
import type { SessionState } from './ingest/sessions.js';

/** What routes need, built once per app over one database. */
export interface LazoServices {
  db: Db;
  writer: BatchWriter;
  authenticator: Authenticator;
  sessionsLookup: (siteId: string, visitorKeys: string[]) => Promise<Map<string, SessionState>>;
}

export interface ServiceOptions {
  maxConcurrentFlushes?: number;
  maxPendingRows?: number;
}

export function createServices(db: Db, options: ServiceOptions = {}): LazoServices {
  return {
    db,
    writer: createBatchWriter({ db, applyIdentities, ...options }),
    authenticator: createAuthenticator(db),
    sessionsLookup: (siteId, keys) => latestSessions(db, siteId, keys),
  };
}
