import type { FastifyInstance } from 'fastify';
import { apiError } from '../errors.js';

/**
 * sendBeacon can only send `text/plain` without a CORS preflight, so batches arrive as JSON inside
 * text/plain. CSV (conversions, spend) arrives as `text/csv` and is kept as a string for its route.
 */
export function registerContentTypes(app: FastifyInstance) {
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        return done(null, JSON.parse(text));
      } catch (e) {
        return done(apiError('LAZO_ERR_BODY_MALFORMED', (e as Error).message), undefined);
      }
    }
    done(null, body);
  });
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
}
