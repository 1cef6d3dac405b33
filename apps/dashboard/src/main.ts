import { createApi, type SiteInfo } from './api.js';
import type { Page, PageContext } from './context.js';
import { normalizeRange, presetRange, type DateRange } from './dates.js';
import { h, mount } from './dom.js';
import { BASE, matchRoute, type PageId } from './router.js';
import { createKeyStore } from './session.js';
import { signInPage } from './pages/sign-in.js';
import { overviewPage } from './pages/overview.js';
import { channelsPage } from './pages/channels.js';
import { leadsPage } from './pages/leads.js';
import { leadPage } from './pages/lead.js';
import { dataInPage } from './pages/data-in.js';

const PAGES: Record<PageId, { title: string; page: Page }> = {
  overview: { title: 'Overview', page: overviewPage },
  channels: { title: 'Channels & campaigns', page: channelsPage },
  leads: { title: 'Leads', page: leadsPage },
  lead: { title: 'Lead', page: leadPage },
  data: { title: 'Data in', page: dataInPage },
};

const NAV: Array<{ path: string; label: string; pages: PageId[] }> = [
  { path: `${BASE}/`, label: 'Overview', pages: ['overview'] },
  { path: `${BASE}/channels`, label: 'Channels & campaigns', pages: ['channels'] },
  { path: `${BASE}/leads`, label: 'Leads', pages: ['leads', 'lead'] },
  { path: `${BASE}/data`, label: 'Data in', pages: ['data'] },
];

let storage: Storage | undefined;
try {
  storage = window.sessionStorage;
} catch {
  storage = undefined;
}
const keys = createKeyStore(storage);
const root = document.getElementById('app')!;
let site: SiteInfo | undefined;

const api = createApi({
  fetch: (input, init) => window.fetch(input, init),
  key: () => keys.get(),
  onUnauthorized: () => signOut('Your key is no longer accepted (it may have been rotated). Sign in again.'),
});

function rangeFromUrl(): DateRange {
  const q = new URLSearchParams(location.search);
  return normalizeRange(q.get('from'), q.get('to')) ?? presetRange('30d', Date.now());
}

function navigate(path: string) {
  // The range travels with the user from page to page.
  const url = new URL(path, location.origin);
  const q = new URLSearchParams(location.search);
  for (const k of ['from', 'to']) if (q.has(k) && !url.searchParams.has(k)) url.searchParams.set(k, q.get(k)!);
  history.pushState(null, '', url.pathname + url.search);
  render();
}

function signOut(message?: string) {
  keys.clear();
  site = undefined;
  showSignIn(message);
}

function showSignIn(message?: string) {
  document.title = 'Sign in · Lazo';
  mount(
    root,
    signInPage({
      api,
      message,
      onSignedIn: (key, info) => {
        keys.set(key);
        site = info;
        render();
      },
    }),
  );
}

function render() {
  if (!site) return showSignIn();
  const route = matchRoute(location.pathname);
  const def = route ? PAGES[route.page] : undefined;
  const main = h('main', { attrs: { id: 'main', tabindex: -1 } });
  const ctx: PageContext = {
    api,
    site,
    params: route?.params ?? {},
    range: rangeFromUrl(),
    now: Date.now(),
    navigate,
    setRange: (r) => {
      const url = new URL(location.href);
      url.searchParams.set('from', r.from);
      url.searchParams.set('to', r.to);
      history.replaceState(null, '', url.pathname + url.search);
      render();
    },
  };
  mount(main, def ? def.page(ctx) : notFound());
  document.title = `${def?.title ?? 'Not found'} · ${site.name ?? 'Lazo'}`;
  mount(root, h('a', { class: 'skip-link', attrs: { href: '#main' } }, 'Skip to content'), h('div', { class: 'app' }, sidebar(route?.page), main));
}

function sidebar(active: PageId | undefined) {
  return h(
    'header',
    { class: 'sidebar' },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark', attrs: { 'aria-hidden': 'true' } }), 'Lazo'),
    h('p', { class: 'site-name', attrs: { title: site?.siteId } }, site?.name ?? 'Your site'),
    h(
      'nav',
      { attrs: { 'aria-label': 'Dashboard' } },
      h(
        'ul',
        null,
        NAV.map((n) =>
          h('li', null, h('a', { class: 'nav-link', attrs: { href: n.path, 'aria-current': active && n.pages.includes(active) ? 'page' : undefined } }, n.label)),
        ),
      ),
    ),
    h('button', { class: 'button ghost sign-out', attrs: { type: 'button' }, on: { click: () => signOut() } }, 'Sign out'),
  );
}

function notFound() {
  return h('section', { class: 'page' }, h('h1', null, 'Page not found'), h('p', null, h('a', { attrs: { href: `${BASE}/` } }, 'Go to the overview')));
}

// Links inside the app are followed without a reload; modified clicks (new tab…) are left to the browser.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !matchRoute(url.pathname) || url.hash) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
  document.getElementById('main')?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});
window.addEventListener('popstate', () => render());

async function boot() {
  if (!keys.get()) return showSignIn();
  mount(root, h('p', { class: 'loading boot' }, 'Loading…'));
  try {
    site = await api.site();
    render();
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 401 || status === 403) signOut('Your key is no longer accepted. Sign in again.');
    else showSignIn((e as Error).message);
  }
}

void boot();
