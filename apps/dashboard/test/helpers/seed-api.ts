import { collectDemoData } from '../../../../packages/attribution/src/index.js';
import type { TestServer } from '../../../server/test/helpers/test-server.js';

const iso = (ms: number) => new Date(ms).toISOString();
type Message = Record<string, unknown> & { timestamp: string };

/**
 * The demo data set sent the way real sites and backends send it: pageviews, identifies and form tracks
 * through POST /v1/batch, sales calls as backend tracks, deals through POST /v1/conversions and daily ad
 * spend through PUT /v1/spend. Slower than writing rows, but every number the dashboard then shows went
 * through ingestion, identity resolution and the reports.
 */
export async function seedThroughApi(server: TestServer, secretKey: string, options: { persons: number; days: number; seed: number }) {
  const data = collectDemoData({ ...options, endDate: Date.now() });
  const send = async (method: string, path: string, body: unknown) => {
    const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { rejected?: unknown[] };
  };

  const messages: Message[] = [];
  for (const s of data.sessions) {
    s.pageviews.forEach((pv, i) => {
      const url = i === 0 ? s.landingUrl : new URL(pv.path, s.landingUrl).href;
      messages.push({
        type: 'page',
        messageId: `${s.sessionId}-${i}`,
        anonymousId: s.anonymousId,
        timestamp: iso(pv.at),
        properties: { path: pv.path, title: pv.title, url },
        context: {
          lazo: { sessionId: s.sessionId },
          ...(i === 0 && s.campaign ? { campaign: s.campaign } : {}),
          page: { url, path: pv.path, title: pv.title, referrer: i === 0 ? (s.referrer ?? '') : s.landingUrl },
          userAgent: s.userAgent,
        },
      });
    });
  }
  data.identifies.forEach((x, i) =>
    messages.push({ type: 'identify', messageId: `id-${i}`, anonymousId: x.anonymousId, userId: x.userId, timestamp: iso(x.at), traits: x.traits, context: x.sessionId ? { lazo: { sessionId: x.sessionId } } : {} }),
  );
  data.tracks.forEach((x, i) =>
    messages.push({ type: 'track', messageId: `tr-${i}`, event: x.event, anonymousId: x.anonymousId, userId: x.userId, timestamp: iso(x.at), properties: x.properties, context: x.sessionId ? { lazo: { sessionId: x.sessionId } } : {} }),
  );
  data.offlineTouches.forEach((x, i) =>
    messages.push({ type: 'track', messageId: `call-${i}`, event: 'Sales Call', userId: x.userId, timestamp: iso(x.at), properties: { email: x.email }, context: { campaign: { source: x.source, medium: x.medium }, traits: { email: x.email } } }),
  );
  messages.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  for (let i = 0; i < messages.length; i += 250) {
    const result = await send('POST', '/v1/batch', { batch: messages.slice(i, i + 250), sentAt: new Date().toISOString() });
    if (result.rejected?.length) throw new Error(`demo batch rejected: ${JSON.stringify(result.rejected.slice(0, 3))}`);
  }
  const conversions = data.conversions.map(({ personKey: _key, sessionId: _session, occurredAt, ...c }) => ({ ...c, occurredAt: iso(occurredAt) }));
  for (let i = 0; i < conversions.length; i += 2000) await send('POST', '/v1/conversions', conversions.slice(i, i + 2000));
  for (let i = 0; i < data.spend.length; i += 2000) await send('PUT', '/v1/spend', data.spend.slice(i, i + 2000));
  return { persons: data.persons.length, sessions: data.sessions.length, messages: messages.length };
}
