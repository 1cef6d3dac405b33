// A tiny CRM for the landing-page example: it receives the lead form, keeps the lead in memory and tells
// Lazo who the visitor is with a *verified* identify (secret key, server to server). The form carries the
// tracker's anonymous id (hidden input `lazo_anonymous_id`, added by `data-decorate`); on the same origin
// the `lazo_id` cookie is read as a fallback. Mount it for POST /examples/landing-page/lead:
//
//   const crm = createCrmHandler({ lazoUrl: 'http://127.0.0.1:8787', secretKey });
//   app.post('/examples/landing-page/lead', (request, reply) => { reply.hijack(); return crm(request.raw, reply.raw); });
//
// (Fastify parses the body first unless told not to: give the route `{ bodyLimit }` and pass
// `request.body` as the third argument, or register it in a scope without a form parser.)

import { randomUUID } from 'node:crypto';

const UTM = { utm_source: 'source', utm_medium: 'medium', utm_campaign: 'name', utm_term: 'term', utm_content: 'content', utm_id: 'id' };
const CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id'];

/** The `lazo_id` cookie of a Cookie header, if any. */
export function anonymousIdFromCookie(cookieHeader) {
  return /(?:^|;\s*)lazo_id=([^;]+)/.exec(cookieHeader ?? '')?.[1];
}

/**
 * The identify message for a lead: the CRM's id as userId, the browser's anonymous id, the traits the
 * visitor typed on purpose (email, name, company), and the campaign the form carried.
 * @param {{ id: string, email: string, name?: string, company?: string }} lead
 * @param {Record<string, string>} fields the submitted form
 * @param {string | undefined} cookieHeader
 * @param {Date} at
 */
export function leadIdentify(lead, fields, cookieHeader, at) {
  const campaign = {};
  for (const [param, field] of Object.entries(UTM)) if (fields[param]) campaign[field] = fields[param];
  for (const param of CLICK_IDS) if (fields[param]) campaign[param] = fields[param];
  const traits = { email: lead.email };
  if (lead.name) traits.name = lead.name;
  if (lead.company) traits.company = lead.company;
  return {
    type: 'identify',
    messageId: `crm-${lead.id}`,
    userId: lead.id,
    anonymousId: fields.lazo_anonymous_id || anonymousIdFromCookie(cookieHeader) || undefined,
    traits,
    timestamp: at.toISOString(),
    context: Object.keys(campaign).length ? { campaign } : {},
  };
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function thanksPage(lead, identifyStatus) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Thanks</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1.5rem}code{background:#f4f6f8;padding:0 .25rem}</style></head>
<body><h1>Thanks, we will be in touch</h1>
<p>The CRM stored lead <code>${escapeHtml(lead.id)}</code> for <code>${escapeHtml(lead.email)}</code> and told Lazo (identify: HTTP ${identifyStatus}).</p>
<p>See the stitched lead — this visit, its campaign and the form — with the site's secret key:</p>
<pre><code>curl -u "$LAZO_SECRET_KEY:" "http://127.0.0.1:8787/v1/persons?email=${encodeURIComponent(lead.email)}"</code></pre>
<p><a href="./">Back to the landing page</a></p></body></html>`;
}

/**
 * @param {{ lazoUrl: string, secretKey: string, fetch?: typeof fetch, now?: () => Date }} options
 * @returns node-style `(req, res, parsedBody?) => Promise<void>`, with `.leads` (the in-memory CRM)
 */
export function createCrmHandler({ lazoUrl, secretKey, fetch: send = fetch, now = () => new Date() }) {
  const leads = [];
  const auth = 'Basic ' + Buffer.from(secretKey + ':').toString('base64');

  async function handler(req, res, parsedBody) {
    try {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const fields = parsedBody && typeof parsedBody === 'object' ? parsedBody : await readForm(req);
      const email = String(fields.email ?? '').trim();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('An email is required.');
        return;
      }
      const lead = { id: `lead_${randomUUID().slice(0, 8)}`, email, name: fields.name || undefined, company: fields.company || undefined };
      leads.push({ ...lead, receivedAt: now().toISOString(), campaign: fields.utm_source ?? null });
      const message = leadIdentify(lead, fields, req.headers?.cookie, now());
      let status = 0;
      try {
        const r = await send(`${lazoUrl.replace(/\/$/, '')}/v1/identify`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify(message),
        });
        status = r.status;
      } catch {
        // Lazo unreachable: the lead is still the CRM's; a real CRM would retry the sync later.
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(thanksPage(lead, status || 'unreachable'));
    } catch (e) {
      res.writeHead(e?.status ?? 500, { 'content-type': 'text/plain; charset=utf-8' }).end('Could not take the form.');
    }
  }
  handler.leads = leads;
  return handler;
}
