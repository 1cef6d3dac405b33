import type { FastifyInstance } from 'fastify';
import type { LazoServices } from '../services.js';

/** POST /v1/conversions (JSON object, JSON array, or CSV). */
export function registerConversionRoutes(_app: FastifyInstance, _services: LazoServices) {}
