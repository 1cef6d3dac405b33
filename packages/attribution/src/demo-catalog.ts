/**
 * The fictional shop the demo data describes: where its traffic comes from, what its pages are, who its
 * visitors are. Kept apart from the generator so the numbers that shape the demo can be read in one place.
 */

/** How a traffic source shows up on the landing page. */
export interface DemoLanding {
  utm?: { source: string; medium: string; name: string; term?: string; content?: string };
  clickId?: 'gclid' | 'fbclid' | 'msclkid' | 'li_fat_id';
  referrers?: readonly string[];
}

export interface DemoTrafficSource {
  id: string;
  /** Relative share of sessions among the sources allowed at that point of a journey. */
  share: number;
  /**
   * How much more likely people reached through this source are to become leads and customers: a
   * customer's journey draws sources with weight share × quality², a lead's share × quality, a
   * visitor's share alone. This is what makes conversion rates, CPL, CPA and ROAS differ by channel.
   */
  quality: number;
  /** `returning`: never a first visit (retargeting); `lead`: only after the email is known (newsletters). */
  phase: 'any' | 'returning' | 'lead';
  landing: DemoLanding;
  landingPaths: readonly string[];
  /** Paid sources: cost per click in EUR, so spend = clicks × cpc (± 20 % a day). */
  cpc?: number;
}

export const PRODUCTS = [
  'trail-runner-pro',
  'summit-jacket',
  'alpine-backpack-40l',
  'merino-base-layer',
  'carbon-trekking-poles',
  'ultralight-tent-2p',
  'down-sleeping-bag',
  'waterproof-hiking-boots',
  'headlamp-900',
  'insulated-bottle',
  'climbing-harness',
  'rain-shell-pants',
] as const;

export const BLOG_POSTS = ['how-to-layer-for-winter', 'best-day-hikes-alps', 'tent-buying-guide', 'trail-running-for-beginners', 'packing-list-weekend'] as const;

const products = PRODUCTS.map((p) => `/products/${p}`);
const blog = BLOG_POSTS.map((p) => `/blog/${p}`);

/** Pages visited after landing, with their weights; product pages dominate, as in a shop. */
export const SITE_PAGES: ReadonlyArray<{ path: string; weight: number }> = [
  { path: '/', weight: 10 },
  { path: '/pricing', weight: 3 },
  { path: '/about', weight: 1 },
  { path: '/contact', weight: 1 },
  { path: '/signup', weight: 2 },
  { path: '/cart', weight: 3 },
  ...products.map((path) => ({ path, weight: 4 })),
  ...blog.map((path) => ({ path, weight: 1.5 })),
];

export const PAGE_TITLES: Readonly<Record<string, string>> = {
  '/': 'Summitgear — outdoor equipment',
  '/pricing': 'Membership pricing — Summitgear',
  '/about': 'About us — Summitgear',
  '/contact': 'Contact — Summitgear',
  '/signup': 'Create your account — Summitgear',
  '/cart': 'Your cart — Summitgear',
};

export const TRAFFIC_SOURCES: readonly DemoTrafficSource[] = [
  { id: 'google-organic', share: 24, quality: 1.2, phase: 'any', landing: { referrers: ['https://www.google.com/', 'https://www.google.de/', 'https://www.google.fr/'] }, landingPaths: ['/', ...blog, ...products] },
  { id: 'bing-organic', share: 2.5, quality: 1.2, phase: 'any', landing: { referrers: ['https://www.bing.com/'] }, landingPaths: ['/', ...blog] },
  { id: 'duckduckgo-organic', share: 1.2, quality: 1.3, phase: 'any', landing: { referrers: ['https://duckduckgo.com/'] }, landingPaths: ['/', ...blog] },
  { id: 'direct', share: 17, quality: 1.6, phase: 'any', landing: {}, landingPaths: ['/', '/', '/cart', '/pricing'] },
  {
    id: 'google-brand',
    share: 5,
    quality: 3,
    phase: 'any',
    landing: { utm: { source: 'google', medium: 'cpc', name: 'brand_search', term: 'summitgear' }, clickId: 'gclid' },
    landingPaths: ['/'],
    cpc: 0.45,
  },
  {
    id: 'google-generic',
    share: 6,
    quality: 1,
    phase: 'any',
    landing: { utm: { source: 'google', medium: 'cpc', name: 'generic_search', term: 'hiking boots' }, clickId: 'gclid' },
    landingPaths: products,
    cpc: 1.9,
  },
  {
    // "shopping" in the campaign makes GA4 call it Paid Shopping, not Paid Search.
    id: 'google-shopping',
    share: 3,
    quality: 1.4,
    phase: 'any',
    landing: { utm: { source: 'google', medium: 'cpc', name: 'pmax_shopping' }, clickId: 'gclid' },
    landingPaths: products,
    cpc: 0.8,
  },
  { id: 'bing-brand', share: 1.2, quality: 2.5, phase: 'any', landing: { utm: { source: 'bing', medium: 'cpc', name: 'brand_search_bing' }, clickId: 'msclkid' }, landingPaths: ['/'], cpc: 0.35 },
  {
    id: 'facebook-prospecting',
    share: 6,
    quality: 0.6,
    phase: 'any',
    landing: { utm: { source: 'facebook', medium: 'cpc', name: 'prospecting_lookalike', content: 'video_15s' }, clickId: 'fbclid' },
    landingPaths: products,
    cpc: 0.7,
  },
  {
    id: 'facebook-retargeting',
    share: 3,
    quality: 1.6,
    phase: 'returning',
    landing: { utm: { source: 'facebook', medium: 'cpc', name: 'retargeting_cart', content: 'carousel' }, clickId: 'fbclid' },
    landingPaths: ['/cart', ...products],
    cpc: 0.55,
  },
  {
    id: 'linkedin-b2b',
    share: 1,
    quality: 1.4,
    phase: 'any',
    landing: { utm: { source: 'linkedin', medium: 'paid_social', name: 'team_outfitting' }, clickId: 'li_fat_id' },
    landingPaths: ['/pricing', '/contact'],
    cpc: 4.2,
  },
  // Tagged by hand, without gclid: auto-tagging would turn it into google / cpc, i.e. Paid Search.
  { id: 'display', share: 5, quality: 0.3, phase: 'any', landing: { utm: { source: 'google', medium: 'display', name: 'gdn_awareness' } }, landingPaths: ['/', ...products], cpc: 0.25 },
  { id: 'youtube', share: 1.5, quality: 0.5, phase: 'any', landing: { utm: { source: 'youtube', medium: 'cpv', name: 'preroll_brand' } }, landingPaths: ['/'], cpc: 0.12 },
  { id: 'newsletter', share: 7, quality: 2.5, phase: 'lead', landing: { utm: { source: 'newsletter', medium: 'email', name: 'weekly_digest' } }, landingPaths: [...blog, ...products] },
  { id: 'winback', share: 1.5, quality: 2, phase: 'lead', landing: { utm: { source: 'newsletter', medium: 'email', name: 'winback_10off' } }, landingPaths: products },
  {
    id: 'referral',
    share: 6,
    quality: 1.1,
    phase: 'any',
    landing: { referrers: ['https://www.trailreview.example/best-boots-2024', 'https://gearforum.example/t/backpacks', 'https://www.outdoor-mag.example/tests'] },
    landingPaths: products,
  },
  {
    id: 'organic-social',
    share: 4,
    quality: 0.5,
    phase: 'any',
    landing: { referrers: ['https://l.facebook.com/', 'https://t.co/', 'https://www.reddit.com/r/hiking/', 'https://www.instagram.com/'] },
    landingPaths: ['/', ...blog, ...products],
  },
  { id: 'affiliate', share: 1.5, quality: 1.2, phase: 'any', landing: { utm: { source: 'outdoordeals', medium: 'affiliate', name: 'spring_deals' } }, landingPaths: products },
];

export const DEVICES: ReadonlyArray<{ type: 'desktop' | 'mobile' | 'tablet'; os: string; browser: string; userAgent: string; weight: number }> = [
  { type: 'desktop', os: 'Windows', browser: 'Chrome', weight: 30, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36' },
  { type: 'desktop', os: 'macOS', browser: 'Safari', weight: 10, userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15' },
  { type: 'desktop', os: 'Linux', browser: 'Firefox', weight: 3, userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0' },
  { type: 'mobile', os: 'iOS', browser: 'Mobile Safari', weight: 27, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1' },
  { type: 'mobile', os: 'Android', browser: 'Chrome', weight: 24, userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36' },
  { type: 'tablet', os: 'iOS', browser: 'Mobile Safari', weight: 6, userAgent: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1' },
];

export const FIRST_NAMES = ['anna', 'ben', 'clara', 'david', 'elena', 'felix', 'greta', 'hugo', 'ines', 'jonas', 'katrin', 'lukas', 'mia', 'noah', 'olivia', 'paul', 'rosa', 'samuel', 'tara', 'victor'] as const;
export const LAST_NAMES = ['berger', 'costa', 'dubois', 'eriksen', 'fischer', 'garcia', 'hansen', 'ivanova', 'jansen', 'keller', 'larsen', 'moreau', 'novak', 'olsen', 'petit', 'rossi', 'schmidt', 'torres', 'weber', 'zimmer'] as const;

/** Reserved example domains (RFC 2606), so demo addresses can never reach a real mailbox. */
export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;

/** NPS answers 0–10, weighted towards promoters as a shop with happy customers would see. */
export const NPS_WEIGHTS = [1, 1, 1, 1, 2, 3, 5, 9, 16, 20, 16] as const;
