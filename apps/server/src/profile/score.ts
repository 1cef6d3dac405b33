import type { LeadScore, ScoreReason, ScoreSignal } from '@lazo/protocol/persons';
import type { LeadFacts } from './activity.js';

/** The score's shape is part of the profile response, so it lives in the protocol. */
export type { LeadScore, ScoreReason, ScoreSignal };

/**
 * Points per signal. A site overrides any of them with `settings.scoreWeights` (same keys); `…Max` caps
 * the points a repeated signal can earn. Set a weight to 0 to ignore a signal.
 */
export const DEFAULT_SCORE_WEIGHTS = {
  /** Per visit. */
  visit: 10,
  visitMax: 30,
  /** Per pageview. */
  pageview: 5,
  pageviewMax: 25,
  /** Per form submitted. */
  form: 20,
  formMax: 40,
  /** Once, for having seen a pricing page. */
  pricingPage: 15,
  /** Once, for coming back within 7 days of a visit. */
  returnVisit: 30,
  /** Per distinct product viewed. */
  productView: 5,
  productViewMax: 15,
  /** Once, for a form started but not submitted (interest, with friction). */
  formAbandoned: 5,
  /** Once, for activity in the 7 days before the profile is read. */
  recentActivity: 10,
};

export type ScoreWeights = typeof DEFAULT_SCORE_WEIGHTS;

const RECENT_MS = 7 * 24 * 3600_000;

/** The defaults with the site's overrides; unknown keys and non-numbers are ignored. */
export function scoreWeights(overrides: unknown): ScoreWeights {
  const weights = { ...DEFAULT_SCORE_WEIGHTS };
  if (overrides && typeof overrides === 'object') {
    for (const [key, value] of Object.entries(overrides)) {
      if (key in weights && typeof value === 'number' && Number.isFinite(value)) weights[key as keyof ScoreWeights] = value;
    }
  }
  return weights;
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/** Capped per-item points, with the reason's wording. */
function perItem(signal: ScoreSignal, count: number, each: number, max: number, what: string): ScoreReason | undefined {
  if (count <= 0 || each === 0) return undefined;
  const raw = count * each;
  const points = max > 0 ? Math.min(raw, max) : raw;
  return { signal, points, detail: `${what} × ${each}${points !== raw ? ` (capped at ${max})` : ''}` };
}

/**
 * A transparent lead score: the sum of points for what the person did, each with the reason it was given,
 * so the call center can see why a lead is warm. `now` decides "recent".
 */
export function scoreLead(facts: LeadFacts, weights: ScoreWeights, now: Date): LeadScore {
  const w = weights;
  const reasons = [
    perItem('visits', facts.visits, w.visit, w.visitMax, plural(facts.visits, 'visit')),
    perItem('pageviews', facts.pageviews, w.pageview, w.pageviewMax, plural(facts.pageviews, 'pageview')),
    perItem('forms', facts.formsSubmitted, w.form, w.formMax, plural(facts.formsSubmitted, 'form') + ' submitted'),
    facts.pricingPageviews > 0 && w.pricingPage !== 0
      ? { signal: 'pricing_page' as const, points: w.pricingPage, detail: `viewed a pricing page (${plural(facts.pricingPageviews, 'time')})` }
      : undefined,
    facts.returnVisitWithin7Days && w.returnVisit !== 0 ? { signal: 'return_visit' as const, points: w.returnVisit, detail: 'came back within 7 days' } : undefined,
    perItem('products_viewed', facts.productsViewed.length, w.productView, w.productViewMax, plural(facts.productsViewed.length, 'product') + ' viewed'),
    facts.formsAbandoned.length > 0 && w.formAbandoned !== 0
      ? { signal: 'form_abandoned' as const, points: w.formAbandoned, detail: `started ${plural(facts.formsAbandoned.length, 'form')} without submitting` }
      : undefined,
    facts.lastActivityAt && now.getTime() - facts.lastActivityAt.getTime() <= RECENT_MS && w.recentActivity !== 0
      ? { signal: 'recent_activity' as const, points: w.recentActivity, detail: `active on ${facts.lastActivityAt.toISOString().slice(0, 10)}` }
      : undefined,
  ].filter((r): r is ScoreReason => r !== undefined);
  return { total: reasons.reduce((sum, r) => sum + r.points, 0), reasons };
}
