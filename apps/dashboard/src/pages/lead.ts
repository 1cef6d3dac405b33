import type { PageContext } from '../context.js';
import { h, type Child } from '../dom.js';
import { formatCount, formatDateTime, formatValue } from '../format.js';
import { asArray, asRecord, describeTouch, personDevices, personEmail, personName, personScore, personStage, personUserId, pick, scoreReasons } from '../person-fields.js';
import { BASE } from '../router.js';
import { buildTimeline, describeDevice, timelineDevices, type TimelineItem } from '../timeline.js';
import { fill } from '../ui/status.js';
import { stageBadge } from './leads.js';

const KIND_LABEL: Record<TimelineItem['kind'], string> = {
  session: 'Visit',
  page: 'Page',
  form: 'Form',
  identify: 'Identify',
  conversion: 'Conversion',
  offline: 'Offline',
};

const card = (title: string, ...children: Child[]) => h('section', { class: 'card' }, h('h2', null, title), ...children);

function facts(pairs: Array<[string, Child]>) {
  return h('dl', { class: 'facts' }, pairs.map(([k, v]) => [h('dt', null, k), h('dd', null, v === undefined || v === null || v === '' ? '—' : v)]));
}

function traitsList(traits: Record<string, unknown>) {
  const keys = Object.keys(traits).sort();
  if (keys.length === 0) return h('p', { class: 'empty' }, 'No traits.');
  return facts(keys.map((k) => [k, formatValue(traits[k])]));
}

/** "mobile · iOS · Safari" for each browser, from the first visit made with it. */
function deviceDescriptions(profile: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of asArray(pick(profile, 'journey'))) {
    const id = pick(s, 'anonymousId');
    const described = describeDevice(s);
    if (typeof id === 'string' && described && !out.has(id)) out.set(id, described);
  }
  return out;
}

function timeline(items: TimelineItem[], described: Map<string, string>) {
  if (items.length === 0) return h('p', { class: 'empty' }, 'No activity recorded.');
  const devices = timelineDevices(items);
  const lane = (device: string | undefined) => (device ? `lane-${(devices.indexOf(device) % 4) + 1}` : 'lane-0');
  const deviceNames = new Map(devices.map((d, i) => [d, `Device ${i + 1}${described.has(d) ? `: ${described.get(d)}` : ''}`]));
  const entry = (item: TimelineItem, nested: boolean): HTMLElement =>
    h(
      'li',
      { class: `tl-item kind-${item.kind} ${lane(item.device)}${nested ? ' nested' : ''}` },
      h('span', { class: 'tl-dot', attrs: { 'aria-hidden': 'true' } }),
      h(
        'div',
        { class: 'tl-body' },
        h('p', { class: 'tl-meta' }, h('span', { class: 'tl-kind' }, KIND_LABEL[item.kind]), h('time', { attrs: { datetime: new Date(item.at).toISOString() } }, formatDateTime(item.at)), item.device && !nested && devices.length > 1 ? h('span', { class: `tl-device ${lane(item.device)}` }, deviceNames.get(item.device) ?? '') : null),
        h('p', { class: 'tl-title' }, item.title),
        item.detail ? h('p', { class: 'tl-detail' }, item.detail) : null,
        item.children && item.children.length > 0
          ? h('details', null, h('summary', null, `${item.children.length} ${item.children.length === 1 ? 'step' : 'steps'} in this visit`), h('ol', { class: 'tl-children' }, item.children.map((c) => entry(c, true))))
          : null,
      ),
    );
  return [
    devices.length > 1
      ? h('p', { class: 'tl-legend' }, `Across ${devices.length} browsers: `, devices.map((d) => h('span', { class: `tl-device ${lane(d)}`, attrs: { title: d } }, deviceNames.get(d) ?? d)))
      : null,
    h('ol', { class: 'timeline' }, items.map((i) => entry(i, false))),
  ];
}

export function leadPage(ctx: PageContext): HTMLElement {
  const id = ctx.params.id ?? '';
  const box = h('div');
  void fill(
    box,
    () => ctx.api.person(id),
    (p) => {
      const email = personEmail(p);
      const name = personName(p);
      const score = personScore(p);
      const reasons = scoreReasons(p);
      const counts = asRecord(pick(p, 'counts'));
      const products = asArray(pick(p, 'productsViewed', 'products')).map((x) => (typeof x === 'string' ? x : formatValue(pick(x, 'product', 'name', 'path') ?? x)));
      const abandoned = asArray(pick(p, 'formsAbandoned', 'formsStarted', 'abandonedForms')).map((x) => (typeof x === 'string' ? x : formatValue(pick(x, 'formId', 'form', 'name', 'id') ?? x)));
      const devices = personDevices(p);
      const emails = asArray(pick(pick(p, 'identities'), 'emails')).map(formatValue);
      return h(
        'div',
        { class: 'lead' },
        h(
          'div',
          { class: 'page-head' },
          h(
            'div',
            null,
            h('h1', null, name ?? email ?? personUserId(p) ?? id, ' ', stageBadge(personStage(p))),
            h('p', { class: 'subtitle' }, [email && name ? email : null, personUserId(p) ? `user id ${personUserId(p)}` : null].filter(Boolean).join(' · ')),
          ),
          h('div', { class: 'score-badge', attrs: { title: 'Lead score' } }, h('span', { class: 'score-value' }, formatCount(score)), h('span', { class: 'score-label' }, 'score')),
        ),
        h(
          'div',
          { class: 'lead-grid' },
          h(
            'div',
            { class: 'lead-side' },
            card(
              'Why this score',
              reasons.length === 0
                ? h('p', { class: 'empty' }, 'No scoring signals yet.')
                : h(
                    'ul',
                    { class: 'reasons' },
                    reasons.map((r) => h('li', null, h('span', { class: 'points' }, r.points === undefined ? '' : `${r.points > 0 ? '+' : ''}${r.points}`), h('span', null, r.reason))),
                  ),
            ),
            card(
              'Where they came from',
              facts([
                ['First touch', describeTouch(pick(p, 'firstTouch'))],
                ['Became a lead via', describeTouch(pick(p, 'leadTouch', 'leadCreationTouch', 'leadSource'))],
                ['Last touch', describeTouch(pick(p, 'lastTouch'))],
              ]),
            ),
            card(
              'Activity',
              facts([
                ['Visits', formatCount(pick(counts, 'visits', 'sessions'))],
                ['Pageviews', formatCount(pick(counts, 'pageviews', 'pages'))],
                ['Forms submitted', formatCount(pick(counts, 'forms', 'formsSubmitted'))],
                ['Products viewed', products.length ? h('ul', { class: 'plain' }, products.map((x) => h('li', null, x))) : undefined],
                ['Forms left unfinished', abandoned.length ? h('ul', { class: 'plain' }, abandoned.map((x) => h('li', null, x))) : undefined],
              ]),
            ),
            card(
              'Identities',
              facts([
                ['E-mail', emails.length > 1 ? emails.join(', ') : email],
                ['User id', personUserId(p)],
                ['Browsers', devices.length ? formatCount(devices.length) : undefined],
                ['Lead since', formatDateTime(pick(p, 'createdAt'))],
                ['Last activity', formatDateTime(pick(p, 'lastActivityAt'))],
              ]),
            ),
            card('Traits', traitsList(asRecord(pick(p, 'traits')))),
          ),
          h('section', { class: 'card lead-journey' }, h('h2', null, 'Journey'), timeline(buildTimeline(p), deviceDescriptions(p))),
        ),
      );
    },
  );
  return h('section', { class: 'page' }, h('p', { class: 'back' }, h('a', { attrs: { href: `${BASE}/leads` } }, '← All leads')), box);
}
