export { buildApp, type AppOptions } from './app.js';
export { startServer, closeOnSignals, type StartServerOptions, type RunningServer, type ShutdownOptions } from './server.js';
export { openDb, openPglite, openPostgres, DataDirLockedError, type Db, type DbConfig, type Queryable } from './store/db.js';
export { migrate } from './store/migrate.js';
export { createSite, listSites, getSite, rotateKeys, updateSite, type Site, type CreatedSite, type SiteSettings } from './store/sites.js';
export { ERRORS, ApiError, type ErrorCode } from './errors.js';
export { ensureDemoSite, demoOrigins, DEMO_SITE_ID, type DemoSite } from './demo.js';
export { runCli, USAGE, type CliIo } from './cli/run.js';
export type { StaticRouteOptions } from './routes/static.js';
