import type { FastifyInstance } from 'fastify';
import type { LazoServices } from '../services.js';

/** PUT /v1/spend (JSON array or CSV). */
export function registerSpendRoutes(_app: FastifyInstance, _services: LazoServices) {}
