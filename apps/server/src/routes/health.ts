import type { FastifyInstance } from 'fastify';
import type { LazoServices } from '../services.js';

export function registerHealthRoutes(app: FastifyInstance, services: LazoServices) {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await Promise.race([
        services.db.query('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database did not answer within 2 s')), 2_000).unref()),
      ]);
      return { status: 'ready', database: 'ok', engine: services.db.engine };
    } catch (e) {
      reply.header('retry-after', '5');
      return reply.code(503).send({ status: 'unavailable', database: (e as Error).message, engine: services.db.engine });
    }
  });
}
