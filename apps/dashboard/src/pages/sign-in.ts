import { ApiError, type Api, type SiteInfo } from '../api.js';
import { h } from '../dom.js';
import { checkKeyShape } from '../session.js';

export interface SignInOptions {
  api: Api;
  /** Why the user is here again (signed out, key rotated). */
  message?: string | undefined;
  onSignedIn(key: string, site: SiteInfo): void;
}

function explain(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) return 'Wrong key: this is not a current secret key of any site here. Check it, or rotate it with `lazo site rotate-key`.';
    if (e.status === 403) return 'This key cannot read reports. Sign in with the site’s secret key (sk_…).';
    return e.message;
  }
  return (e as Error).message ?? String(e);
}

/**
 * The key is checked against GET /v1/site before it is kept. The form posts (never GETs) so that even
 * without script the key could not end up in a URL or the browser history.
 */
export function signInPage(opts: SignInOptions): HTMLElement {
  const error = h('p', { class: 'form-error', attrs: { id: 'sign-in-error', role: 'alert' } }, opts.message ?? '');
  const input = h('input', {
    attrs: {
      id: 'secret-key',
      name: 'secret-key',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'off',
      required: true,
      placeholder: 'sk_…',
      'aria-describedby': 'secret-key-help sign-in-error',
    },
  });
  const submit = h('button', { class: 'button primary', attrs: { type: 'submit' } }, 'Sign in');

  async function onSubmit(e: SubmitEvent) {
    e.preventDefault();
    const key = input.value.trim();
    const shape = checkKeyShape(key);
    if (shape) return fail(shape);
    submit.disabled = true;
    submit.textContent = 'Checking…';
    try {
      const site = await opts.api.signIn(key);
      input.value = '';
      opts.onSignedIn(key, site ?? {});
    } catch (err) {
      fail(explain(err));
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  }

  function fail(message: string) {
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    input.select();
  }

  return h(
    'div',
    { class: 'sign-in' },
    h(
      'form',
      { class: 'card sign-in-card', attrs: { method: 'post', 'aria-labelledby': 'sign-in-title', novalidate: true }, on: { submit: (e) => void onSubmit(e) } },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', attrs: { 'aria-hidden': 'true' } }), 'Lazo'),
      h('h1', { attrs: { id: 'sign-in-title' } }, 'Sign in to your dashboard'),
      h('label', { attrs: { for: 'secret-key' } }, 'Secret key'),
      input,
      h(
        'p',
        { class: 'hint', attrs: { id: 'secret-key-help' } },
        'The sk_… key printed by ',
        h('code', null, 'lazo site create'),
        '. It stays in this browser tab only and is sent to this server alone.',
      ),
      error,
      submit,
    ),
  );
}
