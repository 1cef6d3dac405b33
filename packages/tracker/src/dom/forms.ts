import { guard } from '../guard.js';
import type { Tracker } from '../tracker.js';

/**
 * Fields never read, tested on `type autocomplete`: an input type that starts so is password, hidden, file,
 * image, button, reset or submit (no other type of input, select or textarea does: the `type` property is
 * always one of the known ones), or a payment autocomplete token (`cc-number`, `billing cc-exp`, …).
 */
const SKIPPED = /^([bfhip]|re|su)| cc-/;
/** An email field: `email` in its name, type or autocomplete. */
const EMAIL = /e-?mail/i;
const IGNORED = '[data-lazo-ignore]';

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
  decorate: unknown,
  doc: Document = document,
): void {
  doc.addEventListener(
    'submit',
    // never break a form
    guard((event: Event) => {
      const form = event.target as HTMLFormElement;
      if (form.closest(IGNORED)) return;
      const fields: string[] = [];
      let email: string | undefined;
      // querySelectorAll and getAttribute: `form.elements` or `form.id` can be shadowed by an input named so.
      for (const el of form.querySelectorAll<HTMLInputElement>('input,select,textarea')) {
        const name = el.name || el.id;
        const hints = el.type + ' ' + el.getAttribute('autocomplete');
        if (!name || SKIPPED.test(hints) || el.closest(IGNORED)) continue;
        fields.push(name);
        if (!email && EMAIL.test(name + ' ' + hints) && el.value.includes('@')) email = el.value;
      }
      const [formId, formName, formAction] = ['id', 'name', 'action'].map((a) => form.getAttribute(a));
      tracker.track('Form Submitted', { formId, formName, formAction, fields });
      if (email && tracker.consent() == 'granted') tracker.identify(null, { email });
      if (decorate)
        for (const [name, value] of Object.entries(tracker.formFields()))
          (
            form.querySelector<HTMLInputElement>(`input[name="${name}"]`) ||
              Object.assign(form.appendChild(doc.createElement('input')), { type: 'hidden', name })
          ).value = value;
      // The submit usually navigates away: start the request now rather than at pagehide.
      tracker.flush(true);
    }),
    true,
  );
}
