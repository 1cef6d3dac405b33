import type { FastifyInstance } from 'fastify';
import type { LazoServices } from '../services.js';

/** GET /v1/reports/funnel, /v1/reports/attribution, /v1/reports/timeseries. */
export function registerReportRoutes(_app: FastifyInstance, _services: LazoServices) {}
