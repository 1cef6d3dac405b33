import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { apiError } from './errors.js';
import { findRepoRoot } from './routes/static.js';
import type { Queryable } from './store/db.js';
import { createSite, findSiteByKey, getSite, normalizeOrigin, rotateKeys, updateSite } from './store/sites.js';

/** The demo site has a fixed id, so each start finds the one it made before. */
export const DEMO_SITE_ID = 'site_demo';
export const DEMO_SITE_NAME = 'Demo';

export interface DemoKeys {
  siteId: string;
  publicKey: string;
  secretKey: string;
}

export interface DemoSite extends DemoKeys {
  /** True when this start made the site (a fresh database). */
  created: boolean;
  allowedOrigins: string[];
}

/** The origins the examples are served from: the API's own origin, by both local names. */
export function demoOrigins(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

function readKeysFile(path: string): DemoKeys | undefined {
  try {
    const k = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoKeys>;
    return typeof k.siteId === 'string' && typeof k.publicKey === 'string' && typeof k.secretKey === 'string' ? (k as DemoKeys) : undefined;
  } catch {
    return undefined;
  }
}

function writeKeysFile(path: string, keys: DemoKeys) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Creates the demo site on the first start and reuses it afterwards, with stable keys.
 *
 * Only a hash of a secret key is stored, so the database cannot give the demo's secret back. Its keys are
 * kept in `keysFile` (LAZO_DATA_DIR/demo-keys.json, mode 0600) so that scripts and curl lines written
 * against the demo keep working across restarts. That file sits next to the data it unlocks, and it is
 * only ever written for the demo site. When the file is missing or its secret no longer matches (a new
 * database, a rotated key), the secret key is rotated and the file rewritten.
 */
/** Site rules go in front of GA4's defaults: the demo's call center is a channel of its own. */
export const DEMO_CHANNEL_RULES = [{ channel: 'Offline', when: { source: 'callcenter' } }];

export async function ensureDemoSite(db: Queryable, options: { origins: string[]; keysFile: string }): Promise<DemoSite> {
  const origins = options.origins.map(normalizeOrigin);
  const existing = await getSite(db, DEMO_SITE_ID);
  if (!existing) {
    const site = await createSite(db, { siteId: DEMO_SITE_ID, name: DEMO_SITE_NAME, origins });
    // GA4's defaults leave offline touches Unassigned (CHANNELS.md); a site names them with its own rule,
    // and the demo shows how: the call center's touches and sales become an "Offline" channel.
    await updateSite(db, DEMO_SITE_ID, { settings: { channelRules: DEMO_CHANNEL_RULES } });
    const keys = { siteId: site.siteId, publicKey: site.publicKey, secretKey: site.secretKey };
    writeKeysFile(options.keysFile, keys);
    return { ...keys, created: true, allowedOrigins: site.allowedOrigins };
  }

  let allowedOrigins = existing.allowedOrigins;
  const missing = origins.filter((o) => !allowedOrigins.includes(o));
  // A start on another port adds that port's origins; origins added by hand stay.
  if (missing.length > 0) allowedOrigins = (await updateSite(db, DEMO_SITE_ID, { allowedOrigins: [...allowedOrigins, ...missing] }))!.allowedOrigins;

  const saved = readKeysFile(options.keysFile);
  const match = saved ? await findSiteByKey(db, saved.secretKey) : undefined;
  if (saved && match?.site.siteId === DEMO_SITE_ID) {
    const keys = { siteId: DEMO_SITE_ID, publicKey: existing.publicKey, secretKey: saved.secretKey };
    if (saved.publicKey !== existing.publicKey) writeKeysFile(options.keysFile, keys);
    return { ...keys, created: false, allowedOrigins };
  }
  const rotated = await rotateKeys(db, DEMO_SITE_ID, 'secret');
  const keys = { siteId: DEMO_SITE_ID, publicKey: rotated!.publicKey, secretKey: rotated!.secretKey! };
  writeKeysFile(options.keysFile, keys);
  return { ...keys, created: false, allowedOrigins };
}

type NodeHandler = (req: unknown, res: unknown, parsedBody?: unknown) => Promise<void>;

/**
 * POST /examples/landing-page/lead: the landing-page example's tiny CRM (examples/landing-page/crm-handler.js),
 * which keeps the lead and sends Lazo a verified identify with the demo's secret key. `demo` returns the
 * server's URL and the demo keys once they are known (after listening); until then the form answers 503.
 */
export function registerDemoRoutes(app: FastifyInstance, demo: () => { url: string; secretKey: string } | undefined, examplesDir = join(findRepoRoot() ?? '.', 'examples')) {
  const handlerFile = join(examplesDir, 'landing-page', 'crm-handler.js');
  let crm: Promise<NodeHandler> | undefined;
  // In a scope of its own: an HTML form's urlencoded body is parsed here and nowhere else in the API.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.post('/examples/landing-page/lead', { bodyLimit: 64 * 1024 }, async (request, reply) => {
      const keys = demo();
      if (!keys) throw apiError('LAZO_ERR_OVERLOADED', 'The demo site is not ready yet.', 1);
      if (!existsSync(handlerFile)) throw apiError('LAZO_ERR_NOT_FOUND', 'The landing-page example is not in this checkout.');
      crm ??= import(pathToFileURL(handlerFile).href).then((m: { createCrmHandler: (o: object) => NodeHandler }) =>
        m.createCrmHandler({ lazoUrl: keys.url, secretKey: keys.secretKey }),
      );
      const handle = await crm;
      reply.hijack();
      await handle(request.raw, reply.raw, request.body);
    });
  });
}
