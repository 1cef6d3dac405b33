import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../errors.js';
import { contentTypeOf, etagOf, notModified } from './static.js';

/** apps/dashboard/dist, from src/routes/ (tests) and dist/routes/ (built) alike: both are three levels below apps/. */
const DEFAULT_DIR = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

/**
 * The dashboard reads nothing but the public API of its own origin: scripts, styles and requests are
 * same-origin only, no inline code, no framing. Even a value from a visitor that slipped into markup
 * could not run (the app renders such values as text; this is the second wall).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Hashed names (assets/app-Ab12.js) never change content: cached for a year. */
  immutable: boolean;
}

/**
 * The built files, read into memory as one snapshot keyed by their URL path. A request is answered
 * only by looking its path up in this map, so no part of a URL ever reaches the file system: there is
 * nothing to traverse. The snapshot is reloaded when index.html changes (every build rewrites it).
 */
async function readSnapshot(dir: string): Promise<Map<string, Asset>> {
  const files = new Map<string, Asset>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const full = join(entry.parentPath, entry.name);
    const path = relative(dir, full).split(sep).join('/');
    const body = await readFile(full);
    files.set(path, {
      body,
      type: contentTypeOf(path),
      etag: etagOf(body),
      immutable: path.startsWith('assets/'),
    });
  }
  return files;
}

export interface DashboardRouteOptions {
  /** The built dashboard. Default: apps/dashboard/dist of this checkout. */
  dir?: string;
}

/** GET /dashboard and everything below it: the built single-page app, with index.html for its routes. */
export function registerDashboardRoutes(app: FastifyInstance, options: DashboardRouteOptions = {}) {
  const dir = options.dir ?? DEFAULT_DIR;
  let snapshot: { version: number; files: Map<string, Asset> } | undefined;
  let loading: Promise<Map<string, Asset>> | undefined;

  async function files(): Promise<Map<string, Asset> | undefined> {
    let version: number;
    try {
      version = (await stat(join(dir, 'index.html'))).mtimeMs;
    } catch {
      return undefined;
    }
    if (snapshot?.version === version) return snapshot.files;
    loading ??= readSnapshot(dir).finally(() => (loading = undefined));
    const loaded = await loading;
    snapshot = { version, files: loaded };
    return loaded;
  }

  async function serve(request: FastifyRequest, reply: FastifyReply) {
    const all = await files();
    if (!all) throw apiError('LAZO_ERR_NOT_FOUND', 'The dashboard is not built: run `pnpm build`.');
    const wanted = (request.params as { '*'?: string })['*'] ?? '';
    let asset = all.get(wanted);
    if (!asset || wanted === 'index.html') {
      // A missing file (a stale hashed script) is a 404, not the page: a browser must not run HTML as JS.
      if (extname(wanted) && wanted !== 'index.html') throw apiError('LAZO_ERR_NOT_FOUND', 'No such file in the dashboard.');
      // Every other path is one of the app's own routes (/dashboard/leads/…): the app routes it.
      asset = all.get('index.html');
      if (!asset) throw apiError('LAZO_ERR_NOT_FOUND', 'The dashboard is not built: run `pnpm build`.');
    }
    reply
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    if (asset.type.startsWith('text/html')) reply.header('content-security-policy', DASHBOARD_CSP).header('x-frame-options', 'DENY');
    if (notModified(request, asset.etag)) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  }

  // Without the slash, relative URLs would resolve against "/"; the app's links all carry it.
  app.get('/dashboard', async (request, reply) => reply.redirect(`/dashboard/${request.url.slice('/dashboard'.length)}`, 301));
  app.get('/dashboard/*', serve);
}
