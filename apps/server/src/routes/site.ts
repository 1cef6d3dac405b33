import type { FastifyInstance } from 'fastify';
import type { LazoServices } from '../services.js';

/** GET /v1/site, PATCH /v1/site. */
export function registerSiteRoutes(_app: FastifyInstance, _services: LazoServices) {}
