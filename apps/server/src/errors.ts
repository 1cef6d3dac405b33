import { DbTimeoutError } from './store/db.js';

/**
 * Every error the API can answer, with its HTTP status and a message a developer can act on.
 * One registry (as fastify's lib/errors.js): routes throw `apiError(code)`, the error handler renders
 * `{error: {code, message}}`, and a test checks that each code is documented in the README.
 */
export const ERRORS = {
  LAZO_ERR_AUTH_MISSING: [401, 'No API key: send it as HTTP Basic (key as username), as "Authorization: Bearer <key>", or as writeKey in the batch body.'],
  LAZO_ERR_AUTH_INVALID: [401, 'This API key is not valid: check that it is a current key of your site (keys change when rotated).'],
  LAZO_ERR_AUTH_SECRET_REQUIRED: [403, 'This endpoint needs the site\'s secret key (sk_…); a public key (pk_…) can only send events.'],
  LAZO_ERR_ORIGIN_FORBIDDEN: [403, 'This page\'s origin is not an allowed origin of the site: add it with PATCH /v1/site {allowedOrigins} or `lazo site create --origin`.'],
  LAZO_ERR_BODY_MALFORMED: [400, 'The request body is not valid JSON.'],
  LAZO_ERR_BODY_INVALID: [400, 'The request body does not have the expected shape.'],
  LAZO_ERR_BODY_TOO_LARGE: [413, 'The request body is larger than 500 KB: send fewer messages per batch.'],
  LAZO_ERR_MESSAGE_TOO_LARGE: [413, 'The message is larger than 32 KB: trim its properties, traits or context.'],
  LAZO_ERR_BODY_CONTENT_TYPE: [400, 'Unsupported Content-Type: send application/json (or text/plain holding JSON, as sendBeacon does; text/csv where CSV is accepted).'],
  LAZO_ERR_QUERY_INVALID: [400, 'A query parameter is invalid.'],
  LAZO_ERR_TOO_MANY_ROWS: [413, 'A request holds at most 10,000 rows: split the file or the array into several requests.'],
  LAZO_ERR_CSV_MALFORMED: [400, 'The CSV cannot be read: it needs a header row naming the columns, and every quoted field closed.'],
  LAZO_ERR_CSV_COLUMNS: [400, 'The CSV columns do not fit this endpoint: rename or add columns as the message says (header names are matched ignoring case, spaces and underscores).'],
  LAZO_ERR_SITE_INVALID: [400, 'The site settings cannot be saved: fix the fields named in the message.'],
  LAZO_ERR_NOT_FOUND: [404, 'Not found.'],
  LAZO_ERR_PERSON_NOT_FOUND: [404, 'No person with this id, email, userId or anonymousId on this site.'],
  LAZO_ERR_RATE_LIMITED: [429, 'Too many requests: slow down and retry after the number of seconds in Retry-After.'],
  LAZO_ERR_OVERLOADED: [503, 'The server is overloaded: retry after the number of seconds in Retry-After. Nothing in this request was stored.'],
  LAZO_ERR_DB_UNAVAILABLE: [503, 'The database is unreachable: retry after the number of seconds in Retry-After. Nothing in this request was stored.'],
  LAZO_ERR_INTERNAL: [500, 'An internal error occurred; it has been logged. Retrying is safe: messages are deduplicated by messageId.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message ?? ERRORS[code][1]);
    this.statusCode = ERRORS[code][0];
  }
}

export function apiError(code: ErrorCode, detail?: string, retryAfterSeconds?: number): ApiError {
  const base = ERRORS[code][1];
  return new ApiError(code, detail ? `${base} ${detail}` : base, retryAfterSeconds);
}

/** Connection-level failures that mean "the database is not there right now", not "this query is wrong". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);

/** Maps a driver error to an API error, in the store layer (routes never look at SQLSTATE codes). */
export function mapDbError(e: unknown): ApiError | undefined {
  // Out of time: the database may be back in a moment, and the message says which limit was hit.
  if (e instanceof DbTimeoutError) return apiError('LAZO_ERR_DB_UNAVAILABLE', e.message, 5);
  const err = e as { code?: string; message?: string };
  // Rolled back by a conflict with another transaction (deadlock, serialization): nothing was kept, and
  // the same request retried succeeds (messages are deduplicated).
  if (err.code === '40P01' || err.code === '40001') {
    return apiError('LAZO_ERR_DB_UNAVAILABLE', 'The write conflicted with a concurrent one and was rolled back; nothing was stored. Retry the same request.', 1);
  }
  if ((err.code && UNAVAILABLE_CODES.has(err.code)) || /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|PGlite is closed/i.test(err.message ?? '')) {
    return apiError('LAZO_ERR_DB_UNAVAILABLE', undefined, 5);
  }
  return undefined;
}
