import type { PageContext } from '../context.js';
import { h } from '../dom.js';
import { fill } from '../ui/status.js';
import { uploadCard } from '../ui/upload.js';

const CONVERSIONS_TEMPLATE = `email,userId,date,value,currency,type
ana@example.com,,2026-01-15,1200,EUR,customer
,crm-4711,2026-01-16T14:30:00Z,349.90,EUR,customer
`;

const SPEND_TEMPLATE = `date,source,medium,campaign,amount,currency
2026-01-15,google,cpc,spring-sale,120.50,EUR
2026-01-15,facebook,paid_social,retargeting,80,EUR
`;

/** The script tag for the site's pages: the tracker is served by this same Lazo server. */
export function snippetFor(origin: string, publicKey: string): string {
  return `<script defer src="${origin}/lazo.js" data-key="${publicKey}" data-consent="required"></script>`;
}

function copyButton(text: () => string) {
  const button = h('button', { class: 'button secondary', attrs: { type: 'button' } }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy the text';
    }
    setTimeout(() => (button.textContent = 'Copy'), 2000);
  });
  return button;
}

function siteCard(ctx: PageContext): HTMLElement {
  const box = h('div');
  const load = () =>
    fill(box, () => ctx.api.site(), (site) => {
      // The server knows its public URL best (behind a proxy); older servers leave the snippet to us.
      const snippet = site.snippet ?? (site.publicKey ? snippetFor(location.origin, site.publicKey) : '');
      const origins = site.allowedOrigins ?? [];
      const originInput = h('input', { attrs: { id: 'new-origin', type: 'url', placeholder: 'https://www.example.com', required: true } });
      const originError = h('p', { class: 'form-error', attrs: { role: 'alert' } });
      const save = async (next: string[]) => {
        try {
          await ctx.api.updateSite({ allowedOrigins: next });
          await load();
        } catch (e) {
          originError.textContent = (e as Error).message;
        }
      };
      return [
        h('h2', null, 'Install the tracker'),
        h('p', null, 'Paste this into the ', h('code', null, '<head>'), ' of every page of your site. It waits for consent: call ', h('code', null, "lazo('consent', 'granted')"), ' from your consent banner.'),
        snippet ? h('div', { class: 'snippet' }, h('pre', null, h('code', { attrs: { id: 'snippet' } }, snippet)), copyButton(() => snippet)) : h('p', { class: 'empty' }, 'The site has no public key.'),
        h('h3', null, 'Allowed origins'),
        h('p', { class: 'hint' }, 'The tracker only accepts events from pages on these origins. ', h('code', null, 'https://*.example.com'), ' allows every subdomain.'),
        origins.length
          ? h(
              'ul',
              { class: 'origins' },
              origins.map((o) =>
                h('li', null, h('code', null, o), h('button', { class: 'link-button', attrs: { type: 'button', 'aria-label': `Remove ${o}` }, on: { click: () => void save(origins.filter((x) => x !== o)) } }, 'Remove')),
              ),
            )
          : h('p', { class: 'empty' }, 'No origin yet: the tracker cannot send from any page.'),
        h(
          'form',
          {
            class: 'inline-form',
            on: {
              submit: (e) => {
                e.preventDefault();
                const value = originInput.value.trim();
                if (value) void save([...origins, value]);
              },
            },
          },
          h('label', { attrs: { for: 'new-origin' } }, 'Add an origin'),
          originInput,
          h('button', { class: 'button secondary', attrs: { type: 'submit' } }, 'Add'),
        ),
        originError,
      ];
    });
  void load();
  return box;
}

export function dataInPage(ctx: PageContext): HTMLElement {
  return h(
    'section',
    { class: 'page' },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Data in'), h('p', { class: 'subtitle' }, 'Closed deals and ad spend from your spreadsheets, and the snippet for your site.'))),
    h(
      'div',
      { class: 'upload-grid' },
      uploadCard({
        id: 'upload-conversions',
        title: 'Conversions',
        intro: 'Deals closed in your CRM or shop, offline sales included. Each row needs the person’s e-mail or user id; uploading the same file twice stores it once.',
        columns: 'email or userId, date, value, currency, type',
        template: { name: 'lazo-conversions.csv', csv: CONVERSIONS_TEMPLATE },
        send: (csv, dryRun) => ctx.api.uploadConversions(csv, dryRun),
        labels: { accepted: 'new', duplicates: 'already there', updated: 'updated' },
      }),
      uploadCard({
        id: 'upload-spend',
        title: 'Ad spend',
        intro: 'What each campaign cost per day. A day uploaded again replaces its amount, so a corrected export is safe to send.',
        columns: 'date, source, medium, campaign, amount, currency',
        template: { name: 'lazo-spend.csv', csv: SPEND_TEMPLATE },
        send: (csv, dryRun) => ctx.api.uploadSpend(csv, dryRun),
        labels: { accepted: 'rows taken', inserted: 'new days', updated: 'days changed', unchanged: 'days unchanged' },
      }),
    ),
    h('section', { class: 'card', attrs: { id: 'site-settings' } }, siteCard(ctx)),
  );
}
