import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, apiError, mapDbError } from '../errors.js';

/** Fastify's own errors, translated into our codes so every answer has the documented shape. */
function fromFastify(e: FastifyError): ApiError | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('LAZO_ERR_BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiError('LAZO_ERR_BODY_CONTENT_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiError('LAZO_ERR_BODY_MALFORMED', 'The body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiError('LAZO_ERR_BODY_MALFORMED');
  }
  if (e.statusCode === 400 && e instanceof SyntaxError) return apiError('LAZO_ERR_BODY_MALFORMED', e.message);
  if (e.validation) return apiError(e.validationContext === 'querystring' ? 'LAZO_ERR_QUERY_INVALID' : 'LAZO_ERR_BODY_INVALID', e.message);
  if (e.statusCode === 429) return apiError('LAZO_ERR_RATE_LIMITED', undefined, Math.ceil(Number((e as { retryAfter?: number }).retryAfter ?? 1)));
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const api = error instanceof ApiError ? error : (fromFastify(error) ?? mapDbError(error));
    if (!api) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({ error: { code: 'LAZO_ERR_INTERNAL', message: apiError('LAZO_ERR_INTERNAL').message } });
    }
    if (api.statusCode >= 500) request.log.warn({ err: error, code: api.code }, api.message);
    if (api.retryAfterSeconds !== undefined) reply.header('retry-after', String(api.retryAfterSeconds));
    return reply.code(api.statusCode).send({ error: { code: api.code, message: api.message } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'LAZO_ERR_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}. See the API summary in the README.` } });
  });
}
