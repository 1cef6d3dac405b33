#!/usr/bin/env node
// What a call-center agent sees before calling a lead back: where they came from, what they looked at,
// how warm they are. `node callback.mjs --key sk_… jane@example.com`
import { pathToFileURL } from 'node:url';
import { createLazoClient } from '@lazo/node';

/** A few plain lines from a lead profile; undefined when Lazo does not know the email. */
export async function callbackBrief(client, email) {
  const p = await client.findPerson({ email });
  if (!p) return undefined;
  const touch = (t) => (t ? `${t.channel ?? '?'} (${t.source ?? '?'} / ${t.medium ?? '?'}${t.campaign ? ', ' + t.campaign : ''})` : 'unknown');
  const counts = p.counts ?? {};
  const lines = [
    `${email} — ${p.stage}, score ${p.score?.total ?? '?'}`,
    `first came from ${touch(p.firstTouch)}; became a lead via ${touch(p.leadTouch)}`,
    `${counts.visits ?? 0} visits, ${counts.pageviews ?? 0} pages, ${counts.forms ?? 0} forms`,
  ];
  const products = (p.productsViewed ?? []).map((x) => x.product).slice(0, 5);
  if (products.length) lines.push(`looked at: ${products.join(', ')}`);
  for (const r of (p.score?.reasons ?? []).slice(0, 4)) lines.push(`  +${r.points} ${r.signal}${r.detail ? ` (${r.detail})` : ''}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const keyAt = argv.indexOf('--key');
  const hostAt = argv.indexOf('--host');
  const key = keyAt >= 0 ? argv[keyAt + 1] : process.env.LAZO_SECRET_KEY;
  const host = hostAt >= 0 ? argv[hostAt + 1] : (process.env.LAZO_HOST ?? 'http://127.0.0.1:8787');
  const email = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--key' && argv[i - 1] !== '--host')[0];
  if (!key || !email) {
    console.error('usage: node callback.mjs [--host URL] --key sk_… EMAIL');
    process.exit(2);
  }
  const brief = await callbackBrief(createLazoClient({ host, secretKey: key }), email);
  console.log(brief ?? `Lazo has no lead with the email ${email}.`);
  if (!brief) process.exitCode = 1;
}
