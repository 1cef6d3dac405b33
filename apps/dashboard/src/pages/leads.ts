import type { PersonSummary } from '../api.js';
import type { PageContext } from '../context.js';
import { h } from '../dom.js';
import { formatCount, formatDateTime } from '../format.js';
import { firstTouch, personEmail, personId, personName, personScore, personStage, personUserId, pick } from '../person-fields.js';
import { leadPath } from '../router.js';
import { errorBox, loading } from '../ui/status.js';

const PAGE_SIZE = 50;

/** Search terms live here, not in the URL: they are often e-mail addresses, which do not belong in the history. */
const state = { q: '', stage: '', sort: 'score' };

export function stageBadge(stage: string | undefined) {
  return stage ? h('span', { class: `badge stage-${/^[a-z]+$/.test(stage) ? stage : 'other'}` }, stage) : '—';
}

export function leadsPage(ctx: PageContext): HTMLElement {
  const body = h('tbody');
  const status = h('div', { attrs: { 'aria-live': 'polite' } });
  const more = h('button', { class: 'button secondary', attrs: { type: 'button', hidden: true } }, 'Show more');
  let cursor: string | null | undefined;
  let request = 0;

  const row = (p: PersonSummary) => {
    const id = personId(p);
    const email = personEmail(p);
    const label = email ?? personUserId(p) ?? personName(p) ?? id ?? '(unknown)';
    return h(
      'tr',
      null,
      h('th', { attrs: { scope: 'row' } }, id ? h('a', { attrs: { href: leadPath(id) } }, label) : label, personName(p) && email ? h('span', { class: 'sub' }, personName(p)!) : null),
      h('td', null, personUserId(p) ?? '—'),
      h('td', null, stageBadge(personStage(p))),
      h('td', { class: 'num' }, formatCount(personScore(p))),
      h('td', null, firstTouch(p) ?? '—'),
      h('td', { class: 'num' }, formatCount(pick(pick(p, 'counts'), 'visits'))),
      h('td', null, formatDateTime(pick(p, 'lastActivityAt', 'lastSeenAt', 'updatedAt'))),
    );
  };

  async function load(append: boolean) {
    const mine = ++request;
    if (!append) {
      body.replaceChildren();
      cursor = undefined;
    }
    status.replaceChildren(loading('Loading leads…'));
    more.hidden = true;
    try {
      const page = await ctx.api.persons({ q: state.q || undefined, stage: state.stage || undefined, sort: state.sort, limit: PAGE_SIZE, cursor: append ? cursor : undefined });
      if (mine !== request) return;
      body.append(...page.persons.map(row));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      const shown = body.childElementCount;
      status.replaceChildren(shown === 0 ? h('p', { class: 'empty' }, state.q || state.stage ? 'No leads match.' : 'No leads yet: a visitor becomes a lead when identified with an e-mail or user id.') : h('p', { class: 'hint' }, `${formatCount(shown)} shown${cursor ? ', more below' : ''}.`));
    } catch (e) {
      if (mine === request) status.replaceChildren(errorBox(e, () => void load(append)));
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const search = h('input', {
    attrs: { id: 'lead-search', type: 'search', value: state.q, placeholder: 'E-mail, user id or name', autocomplete: 'off' },
    on: {
      input: () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          state.q = search.value.trim();
          void load(false);
        }, 250);
      },
    },
  });
  const stage = h(
    'select',
    { attrs: { id: 'lead-stage' }, on: { change: () => ((state.stage = stage.value), void load(false)) } },
    [
      ['', 'All stages'],
      ['lead', 'Leads'],
      ['customer', 'Customers'],
    ].map(([v, l]) => h('option', { attrs: { value: v!, selected: state.stage === v } }, l!)),
  );
  const sort = h(
    'select',
    { attrs: { id: 'lead-sort' }, on: { change: () => ((state.sort = sort.value), void load(false)) } },
    [
      ['score', 'Highest score'],
      ['recent', 'Most recent'],
    ].map(([v, l]) => h('option', { attrs: { value: v!, selected: state.sort === v } }, l!)),
  );
  more.addEventListener('click', () => void load(true));
  void load(false);

  return h(
    'section',
    { class: 'page' },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Leads'), h('p', { class: 'subtitle' }, 'Everyone who left an e-mail or was identified by your backend, warmest first.'))),
    h(
      'form',
      { class: 'toolbar filters', attrs: { role: 'search' }, on: { submit: (e) => (e.preventDefault(), clearTimeout(timer), (state.q = search.value.trim()), void load(false)) } },
      h('span', { class: 'field grow' }, h('label', { attrs: { for: 'lead-search' } }, 'Search'), search),
      h('span', { class: 'field' }, h('label', { attrs: { for: 'lead-stage' } }, 'Stage'), stage),
      h('span', { class: 'field' }, h('label', { attrs: { for: 'lead-sort' } }, 'Sort by'), sort),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'leads-table' },
          h('caption', { class: 'sr-only' }, 'Leads'),
          h('thead', null, h('tr', null, ['Lead', 'User id', 'Stage', 'Score', 'First source', 'Visits', 'Last activity'].map((t, i) => h('th', { class: i === 3 || i === 5 ? 'num' : undefined, attrs: { scope: 'col' } }, t)))),
          body,
        ),
      ),
      status,
      more,
    ),
  );
}
