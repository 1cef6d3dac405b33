/**
 * What a person did, reduced to the facts the profile and the lead score read. Pure: the store hands in
 * rows (detailed for one profile, pre-grouped for a page of persons) and both paths share `summarizeActivity`,
 * so a person's score is the same in the list and in the profile.
 */

/** A visit as the profile reads it. */
export interface VisitSpan {
  startedAt: Date;
  lastSeenAt: Date;
}

/** Pageviews of one path (or of one product). */
export interface PathViews {
  path: string;
  views: number;
  lastAt: Date;
}

/** Pageviews of one path, apart for those that named their product (counted under the product instead). */
export interface PageViews extends PathViews {
  namedProduct: boolean;
}

/** One form in one visit: when it was last started and last submitted. */
export interface FormActivity {
  sessionId: string | null;
  formId: string;
  lastStartedAt: Date | null;
  lastSubmittedAt: Date | null;
  submitted: number;
}

export interface Activity {
  visits: VisitSpan[];
  pageviews: number;
  paths: PageViews[];
  /** Pageviews carrying `properties.product`, by product (`path` holds the product's name). */
  products: PathViews[];
  forms: FormActivity[];
  /** The person's latest conversion, which counts as activity too. */
  lastConversionAt?: Date | null;
}

export interface ActivityOptions {
  /** `settings.productPathPattern`: a regular expression marking product pages. */
  productPathPattern?: string | undefined;
}

export interface ProductViewed {
  product: string;
  views: number;
  lastViewedAt: Date;
}

export interface AbandonedForm {
  formId: string;
  sessionId: string | null;
  startedAt: Date;
}

export interface LeadFacts {
  visits: number;
  pageviews: number;
  formsSubmitted: number;
  formsAbandoned: AbandonedForm[];
  productsViewed: ProductViewed[];
  pricingPageviews: number;
  /** Some visit began within 7 days after the end of an earlier one. */
  returnVisitWithin7Days: boolean;
  lastActivityAt: Date | null;
}

/** Pricing pages, in a few languages. Kept portable (same meaning as a POSIX regular expression). */
export const PRICING_PATH = /(^|\/)(pricing|prices|plans|preise|tarifs|precios|prezzi)(\/|\.|$)/i;
const RETURN_WINDOW_MS = 7 * 24 * 3600_000;

/** The site's product-page pattern, or undefined when unset or not a valid regular expression. */
export function productPattern(pattern: unknown): RegExp | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 500) return undefined;
  try {
    return new RegExp(pattern, 'i');
  } catch {
    return undefined;
  }
}

/** A product as a pageview names it: a string, or an object's name/id/sku. */
export function productName(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const key of ['name', 'title', 'id', 'sku', 'product_id']) {
      const v = o[key];
      if (typeof v === 'string' && v.trim()) return v.trim();
      if (typeof v === 'number') return String(v);
    }
  }
  return null;
}

/** A form's id as the tracker (`formId`, `formName`) or Segment-style senders (`form_id`, `form`) name it. */
export function formKey(properties: unknown): string {
  const p = (properties && typeof properties === 'object' ? properties : {}) as Record<string, unknown>;
  for (const key of ['formId', 'form_id', 'formName', 'form_name', 'form', 'name']) {
    const v = p[key];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return '(unnamed form)';
}

export const FORM_STARTED = 'Form Started';
export const FORM_SUBMITTED = 'Form Submitted';

/** A form track as the grouping reads it. */
export interface FormEvent {
  sessionId: string | null;
  event: string | null;
  ts: Date;
  formId: string | null;
}

/** Form tracks grouped per (visit, form): when each was last started and last submitted. */
export function groupForms(events: Iterable<FormEvent>): FormActivity[] {
  const forms = new Map<string, FormActivity>();
  for (const e of events) {
    if (!e.formId || (e.event !== FORM_STARTED && e.event !== FORM_SUBMITTED)) continue;
    const key = `${e.sessionId ?? ''}\u0000${e.formId}`;
    let f = forms.get(key);
    if (!f) forms.set(key, (f = { sessionId: e.sessionId, formId: e.formId, lastStartedAt: null, lastSubmittedAt: null, submitted: 0 }));
    if (e.event === FORM_STARTED) {
      if (!f.lastStartedAt || e.ts > f.lastStartedAt) f.lastStartedAt = e.ts;
    } else {
      f.submitted++;
      if (!f.lastSubmittedAt || e.ts > f.lastSubmittedAt) f.lastSubmittedAt = e.ts;
    }
  }
  return [...forms.values()];
}

export function summarizeActivity(activity: Activity, options: ActivityOptions = {}): LeadFacts {
  const visits = [...activity.visits].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  let returnVisit = false;
  let lastEnd = -Infinity;
  let lastActivity: number | null = null;
  for (const v of visits) {
    const start = v.startedAt.getTime();
    if (start > lastEnd && start - lastEnd <= RETURN_WINDOW_MS) returnVisit = true;
    lastEnd = Math.max(lastEnd, v.lastSeenAt.getTime());
    lastActivity = Math.max(lastActivity ?? -Infinity, v.lastSeenAt.getTime());
  }

  const products = new Map<string, ProductViewed>();
  const addProduct = (product: string, views: number, at: Date) => {
    const p = products.get(product);
    if (!p) products.set(product, { product, views, lastViewedAt: at });
    else {
      p.views += views;
      if (at > p.lastViewedAt) p.lastViewedAt = at;
    }
  };
  for (const p of activity.products) addProduct(p.path, p.views, p.lastAt);
  const pattern = productPattern(options.productPathPattern);
  let pricing = 0;
  for (const p of activity.paths) {
    if (PRICING_PATH.test(p.path)) pricing += p.views;
    // A pageview that names its product counts once, under that name, not again under its path.
    if (!p.namedProduct && pattern?.test(p.path)) addProduct(p.path, p.views, p.lastAt);
  }

  const abandoned: AbandonedForm[] = [];
  let submitted = 0;
  for (const f of activity.forms) {
    submitted += f.submitted;
    if (f.lastStartedAt && (!f.lastSubmittedAt || f.lastSubmittedAt < f.lastStartedAt)) {
      abandoned.push({ formId: f.formId, sessionId: f.sessionId, startedAt: f.lastStartedAt });
    }
  }
  abandoned.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  if (activity.lastConversionAt) lastActivity = Math.max(lastActivity ?? -Infinity, activity.lastConversionAt.getTime());

  return {
    visits: visits.length,
    pageviews: activity.pageviews,
    formsSubmitted: submitted,
    formsAbandoned: abandoned,
    productsViewed: [...products.values()].sort((a, b) => b.views - a.views || a.product.localeCompare(b.product)),
    pricingPageviews: pricing,
    returnVisitWithin7Days: returnVisit,
    lastActivityAt: lastActivity === null ? null : new Date(lastActivity),
  };
}
