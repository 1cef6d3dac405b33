#!/usr/bin/env node
// Nightly CRM → Lazo sync: every contact becomes a verified lead (userId = the CRM's contact id), and every
// won deal a conversion credited back to the campaigns that brought the contact. Safe to re-run: identify
// messages and conversions carry ids derived from the CRM's own ids, so Lazo stores each once.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createLazoClient } from '@lazo/node';

/**
 * @param {{ client: import('@lazo/node').LazoClient,
 *           contacts: { id: string, email: string, name?: string, anonymousId?: string }[],
 *           deals: { id: string, contactId: string, amount: number, currency: string, closedAt: string, stage: string }[] }} input
 */
export async function syncCrm({ client, contacts, deals }) {
  let identified = 0;
  for (const contact of contacts) {
    // anonymousId is the Lazo cookie the web form carried in (form decoration); it stitches the visits.
    await client.identify({
      messageId: `crm-contact-${contact.id}`,
      userId: contact.id,
      ...(contact.anonymousId ? { anonymousId: contact.anonymousId } : {}),
      traits: { email: contact.email, ...(contact.name ? { name: contact.name } : {}) },
    });
    identified++;
  }
  const won = deals.filter((d) => d.stage === 'won');
  const result = won.length
    ? await client.conversions(
        won.map((d) => ({
          conversionId: `crm-deal-${d.id}`,
          userId: d.contactId,
          type: 'customer',
          value: d.amount,
          currency: d.currency,
          occurredAt: d.closedAt,
        })),
      )
    : { accepted: 0, duplicates: 0, rejected: [] };
  return { identified, won: won.length, ...result };
}

function parseArgs(argv) {
  const args = { host: process.env.LAZO_HOST ?? 'http://127.0.0.1:8787', key: process.env.LAZO_SECRET_KEY, file: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--host') args.host = argv[++i];
    else if (argv[i] === '--key') args.key = argv[++i];
    else args.file = argv[i];
  }
  return args;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = parseArgs(process.argv.slice(2));
  if (!args.key || !args.file) {
    console.error('usage: node sync.mjs [--host URL] --key sk_… export.json   (or LAZO_HOST / LAZO_SECRET_KEY)');
    console.error('export.json: {"contacts": [{id, email, name?, anonymousId?}], "deals": [{id, contactId, amount, currency, closedAt, stage}]}');
    process.exit(2);
  }
  const { contacts = [], deals = [] } = JSON.parse(readFileSync(args.file, 'utf8'));
  const summary = await syncCrm({ client: createLazoClient({ host: args.host, secretKey: args.key }), contacts, deals });
  console.log(JSON.stringify(summary, null, 2));
  if (summary.rejected.length > 0) process.exitCode = 1;
}
