import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES, type BatchResponse, type MessageContext } from '@lazo/protocol';
import { apiError } from '../errors.js';
import { prepareBatch, type Prepared } from '../ingest/prepare.js';
import type { LazoServices } from '../services.js';

/** Validates and enriches an authenticated request's messages (bench/ingest-server.js times this alone). */
export function prepareRequest(services: LazoServices, request: FastifyRequest, messages: unknown[], batchSentAt?: string, batchContext?: MessageContext): Promise<Prepared> {
  const { siteId } = request.principal!.site;
  const bodyBytes = Number(request.headers['content-length']);
  return prepareBatch({
    siteId,
    verified: request.principal!.secret,
    messages,
    ...(bodyBytes > 0 ? { bodyBytes } : {}),
    ...(batchSentAt ? { batchSentAt } : {}),
    ...(batchContext ? { batchContext } : {}),
    receivedAt: new Date(),
    loadSessions: (keys) => services.sessionsLookup(siteId, keys),
  });
}

/** POST /v1/batch and the single-message routes of Segment's HTTP API. */
export function registerIngestRoutes(app: FastifyInstance, services: LazoServices) {
  const { authenticator, writer } = services;
  const auth = { preHandler: authenticator.authenticate(false) };

  async function ingest(request: FastifyRequest, messages: unknown[], batchSentAt?: string, batchContext?: MessageContext): Promise<BatchResponse> {
    const prepared = await prepareRequest(services, request, messages, batchSentAt, batchContext);
    const { inserted } = await writer.write(prepared.request);
    const stored = prepared.request.events.length;
    return { accepted: inserted.size, duplicates: stored - inserted.size, rejected: prepared.rejected };
  }

  // analytics.js (Segment's browser library) posts to its apiHost + '/b' when batching, and to the type's
  // first letter ('/t', '/p', …) otherwise: with apiHost 'host/v1' those paths are aliases of ours.
  app.post('/v1/b', auth, batchHandler);
  app.post('/v1/batch', auth, batchHandler);
  async function batchHandler(request: FastifyRequest) {
    const body = request.body as { batch?: unknown; sentAt?: unknown; context?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw apiError('LAZO_ERR_BODY_INVALID', 'Send {"batch": [ …messages ]}.');
    }
    if (!Array.isArray(body.batch)) throw apiError('LAZO_ERR_BODY_INVALID', '"batch" must be an array of messages.');
    if (body.batch.length > MAX_BATCH_MESSAGES) {
      throw apiError('LAZO_ERR_BODY_TOO_LARGE', `A batch holds at most ${MAX_BATCH_MESSAGES} messages; this one has ${body.batch.length}.`);
    }
    const context = body.context && typeof body.context === 'object' ? (body.context as MessageContext) : undefined;
    return ingest(request, body.batch, typeof body.sentAt === 'string' ? body.sentAt : undefined, context);
  }

  for (const type of ['page', 'track', 'identify', 'alias', 'screen'] as const) {
    app.post(`/v1/${type.charAt(0)}`, auth, singleHandler(type));
    app.post(`/v1/${type}`, auth, singleHandler(type));
  }

  function singleHandler(type: 'page' | 'track' | 'identify' | 'alias' | 'screen') {
    return async (request: FastifyRequest) => {
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw apiError('LAZO_ERR_BODY_INVALID', 'Send one message as a JSON object.');
      if (Number(request.headers['content-length'] ?? 0) > MAX_MESSAGE_BYTES) throw apiError('LAZO_ERR_MESSAGE_TOO_LARGE');
      const { writeKey: _key, ...message } = body as Record<string, unknown>;
      const result = await ingest(request, [{ ...message, type }]);
      // A lone message that cannot be taken makes the whole request unacceptable.
      if (result.rejected.length > 0) throw apiError('LAZO_ERR_BODY_INVALID', result.rejected[0]!.error);
      return result;
    };
  }
}
