import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from '../errors.js';
import type { LazoServices } from '../services.js';
import { attributionReport, funnelReport, timeseriesReport } from '../reports/build.js';
import { QueryParamError, parseAttributionParams, parseFunnelParams, parseTimeseriesParams } from '../reports/params.js';

/** Parses a report's query string; a parameter that cannot be used answers 400 with what is wrong. */
function params<T>(request: FastifyRequest, parse: (query: Record<string, unknown>, today: Date) => T): T {
  try {
    return parse((request.query ?? {}) as Record<string, unknown>, new Date());
  } catch (e) {
    if (e instanceof QueryParamError) throw apiError('LAZO_ERR_QUERY_INVALID', e.message);
    throw e;
  }
}

/** GET /v1/reports/funnel, /v1/reports/attribution, /v1/reports/timeseries (secret key; shapes in docs/reports-contract.md). */
export function registerReportRoutes(app: FastifyInstance, services: LazoServices) {
  const preHandler = services.authenticator.authenticate(true);
  app.get('/v1/reports/attribution', { preHandler }, async (request) => attributionReport(services.db, request.principal!.site, params(request, parseAttributionParams)));
  app.get('/v1/reports/funnel', { preHandler }, async (request) => funnelReport(services.db, request.principal!.site, params(request, parseFunnelParams)));
  app.get('/v1/reports/timeseries', { preHandler }, async (request) => timeseriesReport(services.db, request.principal!.site, params(request, parseTimeseriesParams)));
}
