import { join, resolve } from 'node:path';
import { DEMO_SITE_NAME, demoOrigins, ensureDemoSite, registerDemoRoutes, type DemoSite } from '../demo.js';
import { closeOnSignals, startServer, type RunningServer } from '../server.js';
import { seedDemoData, type SeedDemoResult } from '../store/demo-seed.js';
import { UsageError, dataDirOf, describeDatabase, openMigratedDb, parseCommandArgs, type CliIo } from './io.js';

function intFromEnv(env: CliIo['env'], name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`${name} must be a whole number from 0 to ${max}; got ${JSON.stringify(raw)}`);
  return n;
}

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
  const lines = [`Lazo listening on ${server.url}`, `  database      ${describeDatabase(io.env)}${applied.length > 0 ? ` (applied migrations ${applied.join(', ')})` : ''}`];
  if (db.engine === 'pglite') {
    lines.push('                embedded engine: one process, no fsync; for trying Lazo and small single-machine sites.', '                Use PostgreSQL (DATABASE_URL) in production.');
  }
  if (values.demo) {
    const keysFile = join(resolve(dataDirOf(io.env)), 'demo-keys.json');
    let seeded: SeedDemoResult;
    try {
      demo = await ensureDemoSite(db, { origins: demoOrigins(server.port), keysFile });
      // Journeys for the reports and the dashboard on a first start; a site with data is left alone.
      io.stdout('Preparing the demo site…\n');
      seeded = await seedDemoData(db, demo.siteId, { persons: demoPersons });
    } catch (e) {
      await server.close();
      throw e;
    }
    lines.push('', ...demoBanner(demo, keysFile));
    if (seeded.seeded) lines.push(`  demo data     ${seeded.persons.toLocaleString('en-US')} persons (leads and customers), ${seeded.sessions.toLocaleString('en-US')} visits, ${seeded.conversions.toLocaleString('en-US')} conversions, ${seeded.spendRows.toLocaleString('en-US')} spend rows (generated)`);
    lines.push('', ...(await demoLinks(server)));
    const batch = JSON.stringify({ batch: [{ type: 'track', event: 'Hello', anonymousId: 'visitor-1' }] });
    lines.push('', `  Try: curl -u ${demo.secretKey}: -H 'content-type: application/json' -d '${batch}' ${server.url}/v1/batch`);
  }
  lines.push('', 'Stop with Ctrl-C.');
  io.stdout(lines.join('\n') + '\n');

  return new Promise<number>((done) => {
    closeOnSignals(server, { log: (line) => io.stderr(line + '\n'), exit: done });
  });
}
