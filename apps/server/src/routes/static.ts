import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../errors.js';

export interface StaticRouteOptions {
  /**
   * The script-tag bundle served at /lazo.js. Default: `packages/tracker/dist/lazo.js` of this checkout.
   * The npm (ESM) build beside it, `index.js`, is served at /tracker/index.js for the SPA example.
   */
  trackerFile?: string;
  /** Folder holding `landing-page/` and `spa/`, served under /examples/. Default: `examples/` of this checkout. */
  examplesDir?: string;
  /**
   * The demo site's public key, once known. When it returns a key, `%LAZO_PUBLIC_KEY%` in the examples'
   * HTML is replaced by it, so the examples work against `pnpm start` without editing. Default: none.
   */
  examplesPublicKey?: () => string | undefined;
}

/** The examples served under /examples/NAME/ (issue 3: a landing page and an SPA). */
export const EXAMPLE_SITES = ['landing-page', 'spa'] as const;

/** Examples that route in the browser (history API): a path that is no file is one of their pages. */
const HISTORY_ROUTED = new Set<string>(['spa']);

/**
 * /lazo.js has a fixed URL (it is pasted into sites), so it cannot be cached as immutable. A day of
 * freshness keeps repeat visits off the network; a week of stale-while-revalidate hides the revalidation
 * (a 304 thanks to the ETag) from visitors; a tracker fix reaches every visitor within a day.
 */
export const TRACKER_CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=604800';

// JavaScript as text/javascript: RFC 9239 made it the one registered type (application/javascript is obsolete).
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The checkout this module runs from: src/routes/ (tests) and dist/routes/ (built) both sit three levels
 * below the repository root, but walking up to the workspace file also survives a changed layout.
 */
export function findRepoRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A strong validator: the same bytes give the same tag on every server behind a load balancer. */
export const etagOf = (body: Buffer) => '"' + createHash('sha256').update(body).digest('base64url').slice(0, 27) + '"';

interface Served {
  body: Buffer;
  etag: string;
}

interface CachedFile extends Served {
  mtimeMs: number;
  size: number;
}

/** Files are read once and kept until their mtime or size changes (a rebuilt tracker is picked up). */
function createFileCache() {
  const cache = new Map<string, CachedFile>();
  return async (path: string): Promise<CachedFile | undefined> => {
    let info;
    try {
      info = await stat(path);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit;
    const body = await readFile(path);
    const file = { mtimeMs: info.mtimeMs, size: info.size, body, etag: etagOf(body) };
    if (cache.size > 500) cache.clear();
    cache.set(path, file);
    return file;
  };
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored, `*` matches anything. */
export function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: Served, type: string, cacheControl: string) {
  reply.header('cache-control', cacheControl).header('etag', file.etag).header('x-content-type-options', 'nosniff');
  if (notModified(request, file.etag)) return reply.code(304).send();
  return reply.type(type).send(file.body);
}

/** Resolves `relative` inside `base`, or undefined when it would leave it (`..`, encoded or not; links out). */
async function insideFolder(base: string, relative: string): Promise<string | undefined> {
  if (relative.includes('\0')) return undefined;
  const parts = relative.split(/[\\/]+/).filter((p) => p.length > 0);
  // Dotfiles and dependencies are never content: refuse `.env`, `.git`, `node_modules`, and every `..`.
  if (parts.some((p) => p.startsWith('.') || p === 'node_modules')) return undefined;
  const target = resolve(base, ...parts);
  if (target !== base && !target.startsWith(base + sep)) return undefined;
  let real: string;
  let realBase: string;
  try {
    [real, realBase] = await Promise.all([realpath(target), realpath(base)]);
  } catch {
    return undefined;
  }
  return real === realBase || real.startsWith(realBase + sep) ? real : undefined;
}

/** GET /lazo.js and the examples, served first-party by the API process. */
export function registerStaticRoutes(app: FastifyInstance, options: StaticRouteOptions = {}) {
  const root = findRepoRoot();
  const trackerFile = options.trackerFile ?? (root ? join(root, 'packages', 'tracker', 'dist', 'lazo.js') : undefined);
  const examplesDir = options.examplesDir ?? (root ? join(root, 'examples') : undefined);
  const load = createFileCache();

  app.get('/lazo.js', async (request, reply) => {
    const file = trackerFile ? await load(trackerFile) : undefined;
    if (!file) throw apiError('LAZO_ERR_NOT_FOUND', `The tracker bundle is not built (${trackerFile ?? 'packages/tracker/dist/lazo.js'}): run \`pnpm build\`.`);
    return send(request, reply, file, contentTypeOf(trackerFile!), TRACKER_CACHE_CONTROL);
  });

  // The npm build, for pages that import '@lazo/tracker' through an import map (the SPA example).
  app.get('/tracker/index.js', async (request, reply) => {
    const path = trackerFile ? join(dirname(trackerFile), 'index.js') : undefined;
    const file = path ? await load(path) : undefined;
    if (!file) throw apiError('LAZO_ERR_NOT_FOUND', 'The tracker\'s npm build is not built: run `pnpm build`.');
    return send(request, reply, file, contentTypeOf(path!), 'no-cache');
  });

  for (const name of EXAMPLE_SITES) {
    // Relative links in the example pages need the trailing slash.
    app.get(`/examples/${name}`, async (_request, reply) => reply.redirect(`/examples/${name}/`, 301));
    app.get(`/examples/${name}/*`, async (request, reply) => {
      const base = examplesDir ? resolve(examplesDir, name) : undefined;
      if (!base || !existsSync(base)) throw apiError('LAZO_ERR_NOT_FOUND', `The example ${name} is not in this checkout.`);
      const rest = (request.params as { '*': string })['*'] || 'index.html';
      let path = await insideFolder(base, rest);
      if (path && (await stat(path)).isDirectory()) path = await insideFolder(path, 'index.html');
      // A reload on /examples/spa/pricing: the app's own route, so its page (never for a missing asset).
      if (!path && HISTORY_ROUTED.has(name) && !extname(rest) && !rest.split('/').some((p) => p.startsWith('.'))) path = await insideFolder(base, 'index.html');
      const file = path ? await load(path) : undefined;
      if (!path || !file) throw apiError('LAZO_ERR_NOT_FOUND', `No file ${rest.slice(0, 200)} in examples/${name}.`);
      const type = contentTypeOf(path);
      const key = options.examplesPublicKey?.();
      let served: Served = file;
      if (key && type.startsWith('text/html')) {
        const body = Buffer.from(file.body.toString('utf8').replaceAll('%LAZO_PUBLIC_KEY%', key));
        served = { body, etag: etagOf(body) };
      }
      // Examples change while someone edits them: always revalidate (cheap, thanks to the ETag).
      return send(request, reply, served, type, 'no-cache');
    });
  }
}
