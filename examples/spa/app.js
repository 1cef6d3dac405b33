// A tiny single-page app with history routing. It uses Lazo from the npm package: `init()` once, and the
// tracker sends one pageview per route change by itself (pushState and the back button), nothing to wire.
import { init } from '@lazo/tracker';

const BASE = '/examples/spa';
const lazo = init({
  key: document.querySelector('meta[name="lazo-key"]').content,
  consent: 'required', // nothing stored or sent until the visitor allows it below
});

const views = {
  '/': () => `<h1>Acme</h1><p>Attribution for teams that ship. <a href="${BASE}/pricing" data-track="Pricing CTA">See pricing</a></p>`,
  '/pricing': () => `<h1>Pricing</h1><p>Pro: 49 €/month.</p><button type="button" data-track="Plan Selected" data-plan="pro">Choose Pro</button>`,
  '/signup': () => `<h1>Create your account</h1>
    <form id="signup"><label>Email <input name="email" type="email" required></label>
    <label>Plan <select name="plan"><option>pro</option><option>team</option></select></label>
    <button>Create account</button></form>`,
  '/welcome': () => `<h1>Welcome!</h1><p>Your account exists; Lazo now knows this browser belongs to it.</p>`,
};

function render() {
  const path = location.pathname.slice(BASE.length) || '/';
  document.getElementById('view').innerHTML = (views[path] ?? (() => '<h1>Not found</h1>'))();
  for (const a of document.querySelectorAll('nav a')) a.toggleAttribute('aria-current', a.pathname === location.pathname);
}

function navigate(href) {
  history.pushState(null, '', href); // the tracker sees this and sends the pageview
  render();
}

document.addEventListener('click', (e) => {
  const el = e.target.closest('a, [data-track]');
  if (!el) return;
  if (el.dataset.track) lazo.track(el.dataset.track, el.dataset.plan ? { plan: el.dataset.plan } : {});
  if (el.tagName === 'A' && el.origin === location.origin && el.pathname.startsWith(BASE)) {
    e.preventDefault();
    navigate(el.pathname);
  }
});

// The tracker records the submit itself ("Form Submitted", field names only, and an identify by email when
// consent is granted). The app adds what only it knows: the account id it just created.
document.addEventListener('submit', (e) => {
  if (e.target.id !== 'signup') return;
  e.preventDefault();
  const data = new FormData(e.target);
  const userId = 'user_' + Math.random().toString(36).slice(2, 10); // what the backend would return
  lazo.identify(userId, { email: data.get('email'), plan: data.get('plan') });
  lazo.track('Signed Up', { plan: data.get('plan') });
  navigate(`${BASE}/welcome`);
});

window.addEventListener('popstate', render);

const state = document.getElementById('consent-state');
const showConsent = () => (state.textContent = lazo.consent());
document.getElementById('grant').onclick = () => (lazo.consent('granted'), showConsent());
document.getElementById('deny').onclick = () => (lazo.consent('denied'), showConsent());

render();
showConsent();
