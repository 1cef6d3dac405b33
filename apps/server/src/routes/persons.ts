import type { FastifyInstance } from 'fastify';
import type { LazoServices } from '../services.js';

/** GET /v1/persons/:id, GET /v1/persons (lookup and list), DELETE /v1/persons/:id. */
export function registerPersonRoutes(_app: FastifyInstance, _services: LazoServices) {}
