/**
 * The dashboard's only way to the server: the public report, profile, data and site endpoints, with
 * the secret key as a Bearer header. Report and person responses are the server's own types from @lazo/protocol
 * (API.md, docs/reports-contract.md); pages still guard against what an older server leaves out.
 */
import type { AttributionModel, AttributionReport, FunnelReport, ReportDimension, ReportFilters, TimeseriesInterval, TimeseriesReport } from '@lazo/protocol/reports';
import type { PersonPage as ListAnswer, PersonProfile, PersonSummary } from '@lazo/protocol/persons';
import type { DateRange } from './dates.js';

export type { AttributionReport, AttributionRow, FunnelMetrics, FunnelReport, FunnelRow, TimeseriesPoint, TimeseriesReport } from '@lazo/protocol/reports';
export type { PersonProfile, PersonSummary } from '@lazo/protocol/persons';

export const MODELS = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'markov'] as const satisfies readonly AttributionModel[];
export type Model = AttributionModel;

export const MODEL_LABELS: Record<Model, string> = {
  first_touch: 'First touch',
  last_touch: 'Last touch',
  last_non_direct: 'Last non-direct',
  linear: 'Linear',
  time_decay: 'Time decay',
  position_based: 'Position based (40/20/40)',
  markov: 'Data-driven (Markov)',
};

export const DIMENSIONS = ['channel', 'source', 'medium', 'campaign'] as const satisfies readonly ReportDimension[];
export type Dimension = ReportDimension;
export type Filters = ReportFilters;

export interface SiteInfo {
  siteId?: string;
  name?: string;
  publicKey?: string;
  allowedOrigins?: string[];
  /** The script tag for the site's pages, as the server would have it pasted. */
  snippet?: string;
}

/** The list answer as normalizePersonPage reads it: an older server may leave the cursor out. */
export type PersonPage = Omit<ListAnswer, 'nextCursor'> & Partial<Pick<ListAnswer, 'nextCursor'>>;

/** What the CSV endpoints answer (protocol's ConversionsResponse / SpendResponse): counts, and the rows not taken with why. */
export interface UploadResult {
  rejected?: Array<{ index?: number; line?: number; error?: string }>;
  ignoredColumns?: unknown;
  [count: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiDeps {
  fetch: typeof fetch;
  /** The secret key, read for every request so that signing out takes effect at once. */
  key: () => string | undefined;
  /** Called on a 401 after sign-in: the key was rotated or revoked. */
  onUnauthorized?: (error: ApiError) => void;
}

type Query = Record<string, string | number | undefined | null>;

function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function createApi(deps: ApiDeps) {
  async function request<T>(method: string, path: string, init: { query?: Query; body?: string; contentType?: string; key?: string } = {}): Promise<T> {
    const key = init.key ?? deps.key();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    if (init.contentType) headers['content-type'] = init.contentType;
    let res: Response;
    try {
      res = await deps.fetch(path + queryString(init.query ?? {}), { method, headers, body: init.body ?? null, credentials: 'omit', cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The Lazo server could not be reached. Check your connection and try again.');
    }
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const error = new ApiError(
        res.status,
        typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`,
        typeof err?.message === 'string' ? err.message : `The server answered ${res.status} ${res.statusText}.`,
      );
      if (res.status === 401 && !init.key) deps.onUnauthorized?.(error);
      throw error;
    }
    return data as T;
  }

  const reportQuery = (range: DateRange, extra: Query = {}) => ({ from: range.from, to: range.to, ...extra });

  return {
    /** Checks a key before keeping it: the site it opens, or an ApiError (401 wrong key, 403 public key). */
    signIn: (key: string) => request<SiteInfo>('GET', '/v1/site', { key }),
    site: () => request<SiteInfo>('GET', '/v1/site'),
    updateSite: (patch: { allowedOrigins?: string[] }) => request<SiteInfo>('PATCH', '/v1/site', { body: JSON.stringify(patch), contentType: 'application/json' }),
    funnel: (range: DateRange, opts: { groupBy: Dimension[]; filters?: Filters; model?: Model; conversion?: string }) =>
      request<FunnelReport>('GET', '/v1/reports/funnel', {
        query: reportQuery(range, { groupBy: opts.groupBy.join(','), model: opts.model, conversion: opts.conversion, ...opts.filters }),
      }),
    attribution: (range: DateRange, opts: { groupBy: Dimension[]; model: Model; conversion?: string }) =>
      request<AttributionReport>('GET', '/v1/reports/attribution', {
        query: reportQuery(range, { groupBy: opts.groupBy.join(','), model: opts.model, conversion: opts.conversion }),
      }),
    timeseries: (range: DateRange, interval: TimeseriesInterval = 'day') =>
      request<TimeseriesReport>('GET', '/v1/reports/timeseries', { query: reportQuery(range, { interval }) }),
    persons: (q: { q?: string; stage?: string; sort?: string; limit?: number; cursor?: string | null }) =>
      request<unknown>('GET', '/v1/persons', { query: q }).then(normalizePersonPage),
    person: (id: string) => request<PersonProfile>('GET', `/v1/persons/${encodeURIComponent(id)}`),
    /** With `dryRun` the server validates and counts but stores nothing: the preview's check. */
    uploadConversions: (csv: string, dryRun = false) =>
      request<UploadResult>('POST', '/v1/conversions', { body: csv, contentType: 'text/csv', query: { dryRun: dryRun ? 'true' : undefined } }),
    uploadSpend: (csv: string, dryRun = false) => request<UploadResult>('PUT', '/v1/spend', { body: csv, contentType: 'text/csv', query: { dryRun: dryRun ? 'true' : undefined } }),
  };
}

export type Api = ReturnType<typeof createApi>;

/** The list answer, whatever the persons route names its array and cursor. */
export function normalizePersonPage(data: unknown): PersonPage {
  if (Array.isArray(data)) return { persons: data as PersonSummary[] };
  const d = (data ?? {}) as Record<string, unknown>;
  const list = [d.persons, d.items, d.rows, d.data].find(Array.isArray) as PersonSummary[] | undefined;
  const cursor = [d.nextCursor, d.cursor, d.next].find((c) => typeof c === 'string') as string | undefined;
  return { persons: list ?? [], nextCursor: cursor ?? null };
}
