import type { Tracker } from '../tracker.js';

const SKIPPED_TYPES = /^(password|hidden|submit|button|reset|image|file)$/;
const EMAIL = /e-?mail/i;

/**
 * Tracks every form submit as `Form Submitted` with the form's id, name, action and field names — never
 * values. When a field holds an email and consent is granted, an identify with that email follows.
 * Password, hidden, payment (`autocomplete="cc-…"`) fields and anything under `data-lazo-ignore` are never
 * read. With `decorate`, hidden inputs carry the anonymous id, UTMs and click ids to the site's own handler.
 * Listens in the capture phase: the event is queued before the page's own handlers run, and inputs added
 * here are part of the submitted data (the form data set is built after the submit event).
 */
export function watchForms(
  tracker: Pick<Tracker, 'track' | 'identify' | 'consent' | 'formFields' | 'flush'>,
  decorate: boolean,
  doc: Document = document,
): void {
  doc.addEventListener(
    'submit',
    (event) => {
      try {
        const form = event.target as HTMLFormElement;
        if (form.closest('[data-lazo-ignore]')) return;
        const fields: string[] = [];
        let email: string | undefined;
        // querySelectorAll and getAttribute: `form.elements` or `form.id` can be shadowed by an input named so.
        for (const el of form.querySelectorAll<HTMLInputElement>('input,select,textarea')) {
          const name = el.getAttribute('name') || el.id;
          const autocomplete = el.getAttribute('autocomplete') || '';
          if (!name || SKIPPED_TYPES.test(el.type) || /^cc-/.test(autocomplete) || el.closest('[data-lazo-ignore]')) continue;
          fields.push(name);
          if (!email && (el.type === 'email' || EMAIL.test(name + autocomplete)) && /@/.test(el.value)) email = el.value;
        }
        tracker.track('Form Submitted', {
          formId: form.getAttribute('id'),
          formName: form.getAttribute('name'),
          formAction: form.getAttribute('action'),
          fields,
        });
        if (email && tracker.consent() === 'granted') tracker.identify(null, { email });
        if (decorate)
          for (const [name, value] of Object.entries(tracker.formFields())) {
            let input = form.querySelector<HTMLInputElement>(`input[name="${name}"]`);
            if (!input) {
              input = form.appendChild(doc.createElement('input'));
              input.type = 'hidden';
              input.name = name;
            }
            input.value = value;
          }
        // The submit usually navigates away: start the request now rather than at pagehide.
        tracker.flush(true);
      } catch {
        // never break a form
      }
    },
    true,
  );
}
