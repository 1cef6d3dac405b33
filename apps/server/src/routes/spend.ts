import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validateSpendRow, type RowRejection, type SpendResponse } from '@lazo/protocol';
import { apiError } from '../errors.js';
import type { LazoServices } from '../services.js';
import { spendFromCsv } from '../csv/spend.js';
import { MAX_UPLOAD_ROWS, csvBody, jsonRows, queryFlag, queryText } from '../csv/upload.js';
import { parseDay } from '../csv/values.js';
import { readUpload, type UploadRow } from './upload-rows.js';
import { upsertSpend, type SpendRecord } from '../store/spend.js';
import { transactionOrDryRun } from '../store/dry-run.js';

/** Validates one spend row and normalises it: source, medium and campaign lowercased to match sessions. */
export function toSpendRecord(raw: unknown): SpendRecord | string {
  const checked = validateSpendRow(raw);
  if (!checked.ok) return checked.error;
  const r = checked.value;
  const day = parseDay(r.date);
  if (!day.ok) return `date ${day.error}`;
  const source = r.source.trim().toLowerCase();
  if (!source) return 'source is blank: name the ad platform or referrer (e.g. google, facebook)';
  return {
    day: day.value,
    source,
    medium: (r.medium ?? '').trim().toLowerCase(),
    campaign: (r.campaign ?? '').trim().toLowerCase(),
    amount: r.amount,
    currency: r.currency.toUpperCase(),
  };
}

function readSpend(request: FastifyRequest): { rows: UploadRow[]; ignoredColumns?: string[] } {
  const csv = csvBody(request.headers['content-type'], request.body);
  if (csv !== undefined) {
    const defaults = { source: queryText(request.query, 'source'), medium: queryText(request.query, 'medium'), currency: queryText(request.query, 'currency') };
    return readUpload(() => spendFromCsv(csv, defaults, MAX_UPLOAD_ROWS));
  }
  const json = jsonRows(request.body, 'spend', false);
  if (!json.ok) throw apiError('LAZO_ERR_BODY_INVALID', json.error);
  if (json.rows.length > MAX_UPLOAD_ROWS) throw apiError('LAZO_ERR_TOO_MANY_ROWS', `This request has ${json.rows.length}.`);
  return { rows: json.rows.map((raw, index) => ({ index, raw })) };
}

const keyOf = (r: SpendRecord) => [r.day, r.source, r.medium, r.campaign].join('\u0000');

/** PUT /v1/spend (JSON array, `{spend: [...]}`, or CSV). */
export function registerSpendRoutes(app: FastifyInstance, services: LazoServices) {
  app.put('/v1/spend', { preHandler: services.authenticator.authenticate(true) }, async (request): Promise<SpendResponse> => {
    const dryRun = queryFlag(request.query, 'dryRun');
    if (typeof dryRun === 'string') throw apiError('LAZO_ERR_QUERY_INVALID', dryRun);
    const { rows, ignoredColumns } = readSpend(request);

    const rejected: RowRejection[] = [];
    // Rows for one key are added up: an export by ad group or ad lists a campaign's day several times.
    const totals = new Map<string, { record: SpendRecord; first: UploadRow }>();
    let accepted = 0;
    for (const row of rows) {
      const where = row.line === undefined ? { index: row.index } : { index: row.index, line: row.line };
      const record = row.error ?? toSpendRecord(row.raw);
      if (typeof record === 'string') {
        rejected.push({ ...where, error: record });
        continue;
      }
      const key = keyOf(record);
      const total = totals.get(key);
      if (!total) {
        totals.set(key, { record, first: row });
      } else if (total.record.currency !== record.currency) {
        const at = total.first.line === undefined ? `row ${total.first.index}` : `line ${total.first.line}`;
        rejected.push({ ...where, error: `same date, source, medium and campaign as ${at} but in ${record.currency} instead of ${total.record.currency}: one day of one campaign has one currency` });
        continue;
      } else {
        total.record.amount = Math.round((total.record.amount + record.amount) * 10_000) / 10_000;
      }
      accepted++;
    }

    const siteId = request.principal!.site.siteId;
    const records = [...totals.values()].map((t) => t.record);
    const written = await transactionOrDryRun(services.db, dryRun, (tx) => upsertSpend(tx, siteId, records));
    return {
      accepted,
      ...written,
      rejected,
      ...(ignoredColumns ? { ignoredColumns } : {}),
      ...(dryRun ? { dryRun: true as const } : {}),
    };
  });
}
