import type { Queryable } from './db.js';

/** One day of spend for a (source, medium, campaign), as stored: matching fields lowercased. */
export interface SpendRecord {
  /** `YYYY-MM-DD`. */
  day: string;
  source: string;
  /** `''` when the row named no medium (spend for the source as a whole). */
  medium: string;
  /** `''` when the row named no campaign. */
  campaign: string;
  amount: number;
  /** Uppercased ISO 4217 code. */
  currency: string;
}

export interface UpsertSpendResult {
  inserted: number;
  /** Keys that were stored with another amount or currency and now hold the new one. */
  updated: number;
  /** Keys already stored with exactly this amount and currency. */
  unchanged: number;
}

const order = (r: SpendRecord) => [r.day, r.source, r.medium, r.campaign].join('\u0000');

/**
 * Upserts spend on (site, day, source, medium, campaign): a later upload of a day replaces its amount,
 * so re-sending a corrected export is safe. Keys must be unique within `rows`; they are written in key
 * order so concurrent uploads lock rows in the same order.
 */
export async function upsertSpend(tx: Queryable, siteId: string, rows: SpendRecord[]): Promise<UpsertSpendResult> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const sorted = [...rows].sort((a, b) => (order(a) < order(b) ? -1 : 1));
  const { rows: written } = await tx.query<{ inserted: boolean }>(
    `insert into spend as s (site_id, day, source, medium, campaign, amount, currency, updated_at)
     select $1, day, source, medium, campaign, amount, currency, now()
     from unnest($2::date[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[])
       as t(day, source, medium, campaign, amount, currency)
     on conflict (site_id, day, source, medium, campaign) do update
       set amount = excluded.amount, currency = excluded.currency, updated_at = excluded.updated_at
       where (s.amount, s.currency) is distinct from (excluded.amount, excluded.currency)
     returning xmax::text = '0' as inserted`,
    [
      siteId,
      sorted.map((r) => r.day),
      sorted.map((r) => r.source),
      sorted.map((r) => r.medium),
      sorted.map((r) => r.campaign),
      sorted.map((r) => r.amount),
      sorted.map((r) => r.currency),
    ],
  );
  const inserted = written.filter((w) => w.inserted).length;
  const updated = written.length - inserted;
  return { inserted, updated, unchanged: rows.length - written.length };
}
