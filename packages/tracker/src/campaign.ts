import { CLICK_ID_PARAMS, UTM_PARAMS } from '@lazo/protocol/limits';
import type { Campaign } from '@lazo/protocol/types';

/** [query parameter, `context.campaign` field]: UTMs under Segment's names, click ids as they are. */
export const CAMPAIGN_PARAMS: [string, string][] = (Object.entries(UTM_PARAMS) as [string, string][]).concat(CLICK_ID_PARAMS.map((p) => [p, p]));

/** UTM parameters and click ids of a query string; undefined when it has none. */
export function parseCampaign(search: string): Campaign | undefined {
  const params = new URLSearchParams(search);
  let campaign: Record<string, string> | undefined;
  for (const [param, field] of CAMPAIGN_PARAMS) {
    const value = params.get(param);
    if (value) (campaign ||= {})[field] = value;
  }
  return campaign;
}

/** The referrer when it is another site's (`host` is this page's `location.host`, port included); else undefined. */
export const externalReferrer = (referrer: string, host: string): string | undefined =>
  referrer && referrer.split('/')[2] != host ? referrer : undefined;
