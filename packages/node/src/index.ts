import type { PersonProfile } from '@lazo/protocol/persons';
import type { BatchResponse, Conversion, ErrorResponse, Message, SpendResponse, SpendRow } from '@lazo/protocol/types';

export interface LazoClientOptions {
  /** Base URL of the Lazo API, e.g. `https://lazo.example.com`. */
  host: string;
  /** The site's secret key (`sk_…`): server-side calls are verified. */
  secretKey: string;
  /** Attempts for requests that failed with a network error, 429 or 5xx. Default 3. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled each time (and `Retry-After` honoured). Default 500. */
  retryDelayMs?: number;
  /** Per-request timeout in ms. Default 10,000. */
  timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** An answer other than 2xx: carries Lazo's error code and message. */
export class LazoApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export type IdentifyInput = { userId?: string; anonymousId?: string; traits?: Record<string, unknown>; timestamp?: string; messageId?: string };
export type TrackInput = {
  event: string;
  userId?: string;
  anonymousId?: string;
  properties?: Record<string, unknown>;
  /** An offline touch: where this interaction came from (e.g. `{source: 'callcenter', medium: 'phone'}`). */
  campaign?: { source?: string; medium?: string; name?: string };
  timestamp?: string;
  messageId?: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A small typed client for backends (CRM, call center, shop): verified identify, offline touches,
 * conversions, spend, and the lead profile. Every write carries an id (messageId / conversionId), so
 * the retries it makes on 429/5xx/network errors never store anything twice.
 */
export function createLazoClient(options: LazoClientOptions) {
  const host = options.host.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelay = options.retryDelayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers = { authorization: `Bearer ${options.secretKey}` };

  async function request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let res: Response;
      try {
        res = await doFetch(host + path, {
          method,
          headers: body === undefined ? headers : { ...headers, 'content-type': contentType },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        lastError = e;
        if (attempt < maxAttempts) await sleep(baseDelay * 2 ** (attempt - 1));
        continue;
      }
      if (res.ok) return (await res.json()) as T;
      const payload = (await res.json().catch(() => undefined)) as ErrorResponse | undefined;
      const error = new LazoApiError(res.status, payload?.error?.code ?? `HTTP_${res.status}`, payload?.error?.message ?? res.statusText);
      if (res.status !== 429 && res.status < 500) throw error;
      lastError = error;
      if (attempt < maxAttempts) {
        const retryAfter = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : baseDelay * 2 ** (attempt - 1));
      }
    }
    throw lastError;
  }

  const messageId = (given?: string) => given ?? `node-${crypto.randomUUID()}`;
  const batch = (messages: Message[]) => request<BatchResponse>('POST', '/v1/batch', { batch: messages, sentAt: new Date().toISOString() });

  return {
    /** Verified identify: creates or updates the lead and links the anonymous id, if given. */
    identify: (input: IdentifyInput) =>
      batch([{ type: 'identify', messageId: messageId(input.messageId), userId: input.userId ?? null, anonymousId: input.anonymousId ?? null, traits: input.traits ?? {}, ...(input.timestamp ? { timestamp: input.timestamp } : {}) }]),
    /** A server-side event; with `campaign` it is an offline touch in the person's journey. */
    track: (input: TrackInput) =>
      batch([
        {
          type: 'track',
          messageId: messageId(input.messageId),
          event: input.event,
          userId: input.userId ?? null,
          anonymousId: input.anonymousId ?? null,
          properties: input.properties ?? {},
          ...(input.campaign ? { context: { campaign: input.campaign } } : {}),
          ...(input.timestamp ? { timestamp: input.timestamp } : {}),
        },
      ]),
    /** Merges the person known as `previousId` (a userId or anonymousId) into `userId`. */
    alias: (previousId: string, userId: string, id?: string) => batch([{ type: 'alias', messageId: messageId(id), previousId, userId }]),
    /** Raw batch of Segment-spec messages. */
    batch,
    /** Offline or online conversions; idempotent on `conversionId`. */
    conversions: (rows: Conversion | Conversion[]) => request<BatchResponse>('POST', '/v1/conversions', rows),
    /** Conversions from a spreadsheet export (CSV text with a header row). */
    conversionsCsv: (csv: string) => request<BatchResponse>('POST', '/v1/conversions', csv, 'text/csv'),
    /** Ad spend rows; upserted on (date, source, medium, campaign). */
    spend: (rows: SpendRow[]) => request<SpendResponse>('PUT', '/v1/spend', rows),
    /** The lead profile by Lazo person id. */
    person: (personId: string) => request<PersonProfile>('GET', `/v1/persons/${encodeURIComponent(personId)}`),
    /** The lead profile by one of its identities; `undefined` when nobody matches. */
    findPerson: async (by: { email?: string; userId?: string; anonymousId?: string }) => {
      const query = new URLSearchParams(Object.entries(by).filter((e): e is [string, string] => typeof e[1] === 'string'));
      // Without an identity the endpoint lists persons instead: say so rather than return a page as a profile.
      if (query.size === 0) throw new TypeError('findPerson needs an email, userId or anonymousId');
      try {
        return await request<PersonProfile>('GET', `/v1/persons?${query}`);
      } catch (e) {
        if (e instanceof LazoApiError && e.status === 404) return undefined;
        throw e;
      }
    },
    /** Erases a person and everything linked to it; returns what was removed. */
    erasePerson: (personId: string) => request<Record<string, unknown>>('DELETE', `/v1/persons/${encodeURIComponent(personId)}`),
  };
}

export type LazoClient = ReturnType<typeof createLazoClient>;
