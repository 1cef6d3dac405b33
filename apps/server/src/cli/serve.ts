import { join, resolve } from 'node:path';
import { DEMO_SITE_NAME, demoOrigins, ensureDemoSite, registerDemoRoutes, type DemoSite } from '../demo.js';
import { closeOnSignals, startServer, type RunningServer } from '../server.js';
import { dbFor } from '../store/db.js';
import { seedDemoData } from '../store/demo-seed.js';
import { resolvePendingSessions } from '../store/session-persons.js';
import { UsageError, dataDirOf, describeDatabase, intFromEnv, openMigratedDb, parseCommandArgs, type CliIo } from './io.js';

export async function runMigrate(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseCommandArgs(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const { db, applied } = await openMigratedDb(io.env);
  await db.close();
  io.stdout(applied.length > 0 ? `Applied migration${applied.length > 1 ? 's' : ''} ${applied.join(', ')} to ${describeDatabase(io.env)}.\n` : `${describeDatabase(io.env)} is up to date.\n`);
  return 0;
}

/** What the demo banner lists: each path, and whether this server answers it yet. */
async function demoLinks(server: RunningServer): Promise<string[]> {
  const pages: [string, string][] = [
    ['API', '/v1/batch'],
    ['Tracker', '/lazo.js'],
    ['Dashboard', '/dashboard'],
    ['Landing page', '/examples/landing-page/'],
    ['SPA example', '/examples/spa/'],
  ];
  const lines: string[] = [];
  for (const [label, path] of pages) {
    // A route that answers 404 is a part not built yet (the tracker bundle, an example, the dashboard).
    const probe = path === '/v1/batch' ? undefined : await server.app.inject({ method: 'HEAD', url: path });
    const missing = probe !== undefined && probe.statusCode === 404;
    lines.push(`  ${label.padEnd(14)}${server.url}${path}${missing ? '   (not built yet)' : ''}`);
  }
  return lines;
}

function demoBanner(site: DemoSite, keysFile: string): string[] {
  return [
    `Demo site "${DEMO_SITE_NAME}" (${site.siteId}) ${site.created ? 'created' : 'reused'}; allowed origins: ${site.allowedOrigins.join(', ')}`,
    `  public key    ${site.publicKey}   (the script tag's data-key)`,
    `  secret key    ${site.secretKey}   (backends: HTTP Basic or Bearer; kept in ${keysFile})`,
  ];
}

/** Creates or reuses the demo site, fills a new one with generated journeys, and returns the banner lines. */
async function prepareDemo(server: RunningServer, io: CliIo, persons: number, ready: (site: DemoSite) => void): Promise<string[]> {
  const keysFile = join(resolve(dataDirOf(io.env)), 'demo-keys.json');
  const demo = await ensureDemoSite(server.app.lazo.db, { origins: demoOrigins(server.port), keysFile });
  ready(demo);
  io.stdout('Preparing the demo site…\n');
  // Journeys for the reports and the dashboard on a first start; a site with data is left alone.
  // Up to LAZO_DEMO_PERSONS people in a few large statements: longer than a request's limit allows.
  const seeded = await seedDemoData(dbFor(server.app.lazo.db, 'maintenance'), demo.siteId, { persons });
  // Resolve the generated visits to their persons now rather than in the dashboard's first report.
  if (seeded.seeded) await resolvePendingSessions(dbFor(server.app.lazo.db, 'maintenance'), demo.siteId);
  const lines = demoBanner(demo, keysFile);
  if (seeded.seeded) {
    const n = (x: number) => x.toLocaleString('en-US');
    lines.push(`  demo data     ${n(seeded.persons)} persons (leads and customers), ${n(seeded.sessions)} visits, ${n(seeded.conversions)} conversions, ${n(seeded.spendRows)} spend rows (generated)`);
  }
  const batch = JSON.stringify({ batch: [{ type: 'track', event: 'Hello', anonymousId: 'visitor-1' }] });
  lines.push('', ...(await demoLinks(server)), '', `  Try: curl -u ${demo.secretKey}: -H 'content-type: application/json' -d '${batch}' ${server.url}/v1/batch`);
  return lines;
}

export async function runServe(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { demo: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const port = intFromEnv(io.env, 'PORT', 8787, 65_535);
  const demoPersons = intFromEnv(io.env, 'LAZO_DEMO_PERSONS', 2_000, 1_000_000);
  const rateLimit = intFromEnv(io.env, 'LAZO_RATE_LIMIT', 60_000, 1e9);
  const host = io.env.HOST || '127.0.0.1';

  const { db, applied } = await openMigratedDb(io.env);
  let demo: DemoSite | undefined;
  let url = '';
  const server = await startServer({
    db,
    port,
    host,
    logger: { level: io.env.LOG_LEVEL || 'warn' },
    rateLimitPerMinute: rateLimit === 0 ? false : rateLimit,
    staticFiles: { examplesPublicKey: () => demo?.publicKey },
    ...(values.demo ? { configure: (app) => registerDemoRoutes(app, () => (demo ? { url, secretKey: demo.secretKey } : undefined)) } : {}),
  });
  url = server.url;
  // From here on a signal stops the server gracefully, also while the demo is being prepared.
  let signalled = false;
  const stopped = new Promise<number>((done) => {
    closeOnSignals(server, { log: (line) => io.stderr(line + '\n'), exit: done, onSignal: () => (signalled = true) });
  });
  const lines = [`Lazo listening on ${server.url}`, `  database      ${describeDatabase(io.env)}${applied.length > 0 ? ` (applied migrations ${applied.join(', ')})` : ''}`];
  if (db.engine === 'pglite') {
    lines.push('                embedded engine: one process, no fsync; for trying Lazo and small single-machine sites.', '                Use PostgreSQL (DATABASE_URL) in production.');
  }
  try {
    if (values.demo) lines.push('', ...(await prepareDemo(server, io, demoPersons, (site) => (demo = site))));
  } catch (e) {
    // A signal closes the database under the demo's preparation: that is the signal's doing, not an error.
    if (signalled) return stopped;
    await server.close();
    throw e;
  }
  if (signalled) return stopped;
  lines.push('', 'Stop with Ctrl-C.');
  io.stdout(lines.join('\n') + '\n');

  return stopped;
}
