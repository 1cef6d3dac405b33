import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { MAX_BODY_BYTES } from '@lazo/protocol';
import type { Db } from './store/db.js';
import { createServices, type LazoServices, type ServiceOptions } from './services.js';
import { registerErrorHandling } from './plugins/http-errors.js';
import { registerContentTypes } from './plugins/content-types.js';
import { extractKey } from './plugins/auth.js';
import { registerIngestRoutes } from './routes/ingest.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerPersonRoutes } from './routes/persons.js';
import { registerConversionRoutes } from './routes/conversions.js';
import { registerSpendRoutes } from './routes/spend.js';
import { registerSiteRoutes } from './routes/site.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerStaticRoutes, type StaticRouteOptions } from './routes/static.js';

export interface AppOptions extends ServiceOptions {
  db: Db;
  logger?: FastifyServerOptions['logger'];
  /** Requests per minute per key (or per IP without one). `false` turns limiting off. Default 60,000. */
  rateLimitPerMinute?: number | false;
  /** Where /lazo.js and the examples come from (defaults: this checkout's built tracker and examples/). */
  staticFiles?: StaticRouteOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    lazo: LazoServices;
  }
}

/** Builds the whole API as an app with no `listen`: tests call it with `inject()`, server.ts serves it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: true,
    return503OnClosing: true,
  });
  const services = createServices(options.db, options);
  app.decorate('lazo', services);
  registerErrorHandling(app);
  registerContentTypes(app);

  // Allowed origins are per site and a preflight carries no key, so preflights are answered for any
  // origin; the request itself is then checked against its site's origins (403 when not allowed).
  await app.register(cors, {
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    exposedHeaders: ['retry-after'],
    maxAge: 86_400,
  });
  if (options.rateLimitPerMinute !== false) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute ?? 60_000,
      timeWindow: 60_000,
      keyGenerator: (request) => extractKey(request) ?? request.ip,
      errorResponseBuilder: (_request, context) => ({ statusCode: 429, retryAfter: Math.ceil(context.ttl / 1000), message: 'rate limited' }),
    });
  }

  registerHealthRoutes(app, services);
  registerIngestRoutes(app, services);
  registerPersonRoutes(app, services);
  registerConversionRoutes(app, services);
  registerSpendRoutes(app, services);
  registerSiteRoutes(app, services);
  registerReportRoutes(app, services);
  registerStaticRoutes(app, options.staticFiles);
  registerDashboardRoutes(app);
  app.addHook('onClose', async () => {
    await services.writer.drain();
  });
  return app;
}
