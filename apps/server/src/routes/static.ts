import type { FastifyInstance } from 'fastify';

/** GET /lazo.js, /dashboard, /examples: files served first-party by the API process. */
export function registerStaticRoutes(_app: FastifyInstance) {}
