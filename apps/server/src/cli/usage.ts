import { DEMO_SITE_NAME } from '../demo.js';

export const USAGE = `Usage: lazo COMMAND [options]

Commands:
  serve [--demo]                     apply pending migrations, then serve the API
  migrate                            apply pending migrations and exit
  site create --name NAME --origin URL [--origin URL…] [--json]
                                     create a site; prints its id and both keys (the secret only now)
  site list [--json]                 list the sites
  site rotate-key --site ID [--key secret|public|both] [--json]
                                     issue new keys and print them
  attribute FILE [--model M | --all] [--json]
                                     credit the conversions of a paths file to its channels
  help                               this text; \`lazo COMMAND --help\` tells about one command

Environment:
  PORT, HOST        where serve listens (default 8787 and 127.0.0.1; 0.0.0.0 for every interface)
  DATABASE_URL      a PostgreSQL URL; when unset, the embedded PGlite engine is used
  LAZO_DATA_DIR     where PGlite keeps its data (default ./.lazo)
  LAZO_DB_TIMEOUT_MS         PostgreSQL statement limit in ms (default 10000; 0 = none)
  LAZO_DB_REPORT_TIMEOUT_MS  the same for reports (default 120000)
  LAZO_RATE_LIMIT   requests per minute per key, or per IP without one (default 60000; 0 turns it off)
  LOG_LEVEL         serve's log level: fatal, error, warn, info, debug (default warn)

Exit codes: 0 done, 1 failed (the database unreachable or in use, a site not found, …), 2 bad usage.`;

export const SERVE_USAGE = `Usage: lazo serve [--demo]
      Applies pending migrations, then serves the API until SIGINT or SIGTERM (then it stops taking
      connections, commits what it has received, and closes the database).
  --demo   also create (on the first start) or reuse the "${DEMO_SITE_NAME}" site, allowed from this server's
           own origin, fill it with generated journeys on the first start (LAZO_DEMO_PERSONS people,
           default 2000), and print its keys and the example pages' URLs (what \`pnpm start\` runs)

Environment: PORT (8787), HOST (127.0.0.1), DATABASE_URL (unset: embedded PGlite), LAZO_DATA_DIR (./.lazo),
LAZO_RATE_LIMIT (requests per minute per key, 60000; 0 turns it off), LAZO_DB_TIMEOUT_MS (10000),
LAZO_DB_REPORT_TIMEOUT_MS (120000), LOG_LEVEL (warn).`;

export const MIGRATE_USAGE = `Usage: lazo migrate
      Applies pending migrations to the configured database and exits. \`lazo serve\` does this too.`;

export const SITE_USAGE = `Usage:
  lazo site create --name NAME --origin URL [--origin URL…] [--json]
      Creates a site and prints its id and both keys. The secret key is shown once: only its hash is
      kept. --origin is where the site's pages live (scheme://host[:port]; https://*.example.com allows
      every subdomain). --json prints {"siteId","publicKey","secretKey"} on stdout and nothing else there.
  lazo site list [--json]
      Lists the sites: id, name, public key, the start of the secret key, allowed origins.
  lazo site rotate-key --site ID [--key secret|public|both] [--json]
      Issues new keys (default: both) and prints them; the old ones stop working (within 10 seconds
      for servers already running, which cache keys that long).`;
