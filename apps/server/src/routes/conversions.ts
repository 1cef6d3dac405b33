import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_MESSAGE_BYTES, validateConversion, type ConversionsResponse, type RowRejection } from '@lazo/protocol';
import { apiError } from '../errors.js';
import type { LazoServices } from '../services.js';
import { conversionsFromCsv } from '../csv/conversions.js';
import { MAX_UPLOAD_ROWS, csvBody, jsonRows, queryFlag, queryText } from '../csv/upload.js';
import { parseInstant } from '../csv/values.js';
import { readUpload, type UploadRow } from './upload-rows.js';
import { writeConversions, type ConversionRecord } from '../store/conversions.js';
import { transactionOrDryRun } from '../store/dry-run.js';

/** How far ahead of the server's clock a conversion may be dated (a CRM's clock or time zone slip). */
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

const lower = (s: string | undefined) => (s?.trim() ? s.trim().toLowerCase() : null);
const trimmed = (s: string | undefined) => (s?.trim() ? s.trim() : null);

/** Validates one conversion on its own and normalises it for storage, or says why it cannot be taken. */
export function toConversionRecord(raw: unknown, receivedAt: Date): ConversionRecord | string {
  const bytes = Buffer.byteLength(JSON.stringify(raw) ?? '');
  if (bytes > MAX_MESSAGE_BYTES) return `conversion is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES} bytes (32 KB): trim its properties`;
  const checked = validateConversion(raw);
  if (!checked.ok) return checked.error;
  const c = checked.value;
  const email = lower(c.email);
  if (c.email !== undefined && (!email || !EMAIL.test(email))) return `email ${JSON.stringify(c.email.slice(0, 60))} is not an email address`;
  let occurredAt = receivedAt;
  if (c.occurredAt !== undefined) {
    const at = parseInstant(c.occurredAt);
    if (!at.ok) return `occurredAt ${at.error}`;
    occurredAt = new Date(at.value);
    if (occurredAt.getTime() > receivedAt.getTime() + FUTURE_TOLERANCE_MS) {
      return `occurredAt ${at.value} is in the future: send the time the conversion happened`;
    }
  }
  return {
    conversionId: c.conversionId,
    userId: trimmed(c.userId),
    email,
    anonymousId: trimmed(c.anonymousId),
    type: c.type.trim(),
    value: c.value ?? 0,
    currency: c.currency ? c.currency.toUpperCase() : null,
    occurredAt,
    channel: trimmed(c.channel),
    source: lower(c.source),
    medium: lower(c.medium),
    campaign: lower(c.campaign),
    properties: c.properties ?? null,
  };
}

/** JSON rows or CSV rows of a conversions request, each located for its rejection. */
function readConversions(request: FastifyRequest): { rows: UploadRow[]; single: boolean; ignoredColumns?: string[] } {
  const csv = csvBody(request.headers['content-type'], request.body);
  if (csv !== undefined) {
    const defaults = { type: queryText(request.query, 'type'), currency: queryText(request.query, 'currency') };
    return { ...readUpload(() => conversionsFromCsv(csv, defaults, MAX_UPLOAD_ROWS)), single: false };
  }
  const json = jsonRows(request.body, 'conversions', true);
  if (!json.ok) throw apiError('LAZO_ERR_BODY_INVALID', json.error);
  if (json.rows.length > MAX_UPLOAD_ROWS) throw apiError('LAZO_ERR_TOO_MANY_ROWS', `This request has ${json.rows.length}.`);
  if (json.single) {
    // A lone conversion may carry the key as writeKey (extractKey reads it); it is not a conversion field.
    const { writeKey: _key, ...conversion } = json.rows[0] as Record<string, unknown>;
    return { rows: [{ index: 0, raw: conversion }], single: true };
  }
  return { rows: json.rows.map((raw, index) => ({ index, raw })), single: false };
}

/** POST /v1/conversions (JSON object, JSON array, `{conversions: [...]}`, or CSV). */
export function registerConversionRoutes(app: FastifyInstance, services: LazoServices) {
  app.post('/v1/conversions', { preHandler: services.authenticator.authenticate(true) }, async (request): Promise<ConversionsResponse> => {
    const upsert = queryFlag(request.query, 'upsert');
    const dryRun = queryFlag(request.query, 'dryRun');
    for (const flag of [upsert, dryRun]) if (typeof flag === 'string') throw apiError('LAZO_ERR_QUERY_INVALID', flag);
    const { rows, single, ignoredColumns } = readConversions(request);
    if (single && Number(request.headers['content-length'] ?? 0) > MAX_MESSAGE_BYTES) throw apiError('LAZO_ERR_MESSAGE_TOO_LARGE');

    const receivedAt = new Date();
    const rejected: RowRejection[] = [];
    const records: ConversionRecord[] = [];
    const seen = new Set<string>();
    let repeated = 0;
    for (const row of rows) {
      const record = row.error ?? toConversionRecord(row.raw, receivedAt);
      if (typeof record === 'string') {
        const conversionId = row.conversionId ?? (row.raw as { conversionId?: unknown } | undefined)?.conversionId;
        rejected.push({
          index: row.index,
          ...(row.line !== undefined ? { line: row.line } : {}),
          ...(typeof conversionId === 'string' ? { conversionId } : {}),
          error: record,
        });
      } else if (seen.has(record.conversionId)) {
        repeated++; // the same id twice in one request: the first is the one stored
      } else {
        seen.add(record.conversionId);
        records.push(record);
      }
    }
    // A lone conversion that cannot be taken makes the whole request unacceptable (as /v1/track does).
    if (single && rejected.length > 0) throw apiError('LAZO_ERR_BODY_INVALID', rejected[0]!.error);

    const siteId = request.principal!.site.siteId;
    const written = await transactionOrDryRun(services.db, dryRun === true, (tx) => writeConversions(tx, siteId, records, { upsert: upsert === true }));
    return {
      accepted: written.inserted.size,
      duplicates: records.length - written.inserted.size - written.updated.size + repeated,
      ...(upsert ? { updated: written.updated.size } : {}),
      rejected,
      ...(ignoredColumns ? { ignoredColumns } : {}),
      ...(dryRun ? { dryRun: true as const } : {}),
    };
  });
}
