import type { Message } from '@lazo/protocol/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQueue, LEASE_MS, MAX_QUEUED, QUEUE_PREFIX, type QueueDeps } from '../src/queue.js';
import { createConsentStore } from '../src/store.js';
import type { SendResult } from '../src/types.js';
import { counter, fakeSend, memoryStorage, retryAfter } from './helpers.js';

type Queued = Message & { messageId: string };
const ids = counter('m');
const msg = (extra: object = {}): Queued => ({ type: 'track', event: 'E', messageId: ids(), ...extra }) as Queued;

function setup(opts: { script?: (SendResult | 'reject')[]; device?: Storage; tab?: string; flushAt?: number; ready?: () => boolean } = {}) {
  const device = opts.device ?? memoryStorage();
  const kv = createConsentStore(() => device);
  kv.keepOnDevice();
  const net = fakeSend(opts.script);
  const deps: QueueDeps = {
    kv,
    post: net.send,
    clock: Date.now,
    rand: () => 0.5,
    tabKey: opts.tab ?? 't1',
    withLock: (fn) => fn(),
    settings: { key: 'pk_test', flushAt: opts.flushAt ?? 10, flushInterval: 1000 },
  };
  const queue = createQueue(deps, opts.ready ?? (() => true));
  return { queue, net, device, kv };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
});
afterEach(() => vi.useRealTimers());

describe('batching', () => {
  it.each([
    // events pushed, flushAt, ms waited, requests expected
    [1, 10, 999, 0],
    [1, 10, 1000, 1],
    [9, 10, 0, 0],
    [10, 10, 0, 1],
    [3, 3, 0, 1],
    [25, 10, 0, 2], // the first ten go at once; the other 15 together, once the first answer is in
  ])('%s events, flushAt %s, after %s ms → %s request(s)', async (n, flushAt, wait, requests) => {
    const { queue, net } = setup({ flushAt });
    for (let i = 0; i < n; i++) queue.push(msg());
    await vi.advanceTimersByTimeAsync(wait);
    expect(net.bodies).toHaveLength(requests);
  });

  it('sends everything, in order, with sentAt and writeKey', async () => {
    const { queue, net, device } = setup({ flushAt: 10 });
    const sent = Array.from({ length: 25 }, () => msg());
    for (const m of sent) queue.push(m);
    await vi.advanceTimersByTimeAsync(5000);
    expect(net.ids()).toEqual(sent.map((m) => m.messageId));
    expect(net.bodies[0]).toMatchObject({ writeKey: 'pk_test', sentAt: '2026-01-01T00:00:00.000Z' });
    expect(Object.keys(device)).toEqual([]); // delivered: nothing left on the device
  });

  it('keeps messages on the device until they are acknowledged', async () => {
    const { queue, device } = setup();
    queue.push(msg());
    expect(JSON.parse(device.getItem(QUEUE_PREFIX + 't1')!).q).toHaveLength(1);
  });

  it('holds messages while not ready (consent pending)', async () => {
    let ready = false;
    const { queue, net } = setup({ ready: () => ready });
    queue.push(msg());
    await vi.advanceTimersByTimeAsync(5000);
    expect(net.bodies).toHaveLength(0);
    ready = true;
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(net.bodies).toHaveLength(1);
  });

  it(`keeps at most ${MAX_QUEUED} messages, dropping the newest`, async () => {
    let ready = false;
    const { queue, net } = setup({ ready: () => ready });
    const first = msg();
    queue.push(first);
    for (let i = 1; i < MAX_QUEUED + 20; i++) queue.push(msg());
    ready = true;
    queue.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(net.ids()).toHaveLength(MAX_QUEUED);
    expect(net.ids()[0]).toBe(first.messageId);
  });

  it('drops a message over 32 KB (the server would reject it) and keeps batches under 60 KB', async () => {
    const { queue, net } = setup({ flushAt: 100 });
    queue.push(msg({ properties: { blob: 'x'.repeat(33 * 1024) } }));
    for (let i = 0; i < 5; i++) queue.push(msg({ properties: { blob: 'é'.repeat(8 * 1024) } })); // 16 KB each in UTF-8
    await vi.advanceTimersByTimeAsync(10_000);
    expect(net.ids()).toHaveLength(5);
    for (const body of net.bodies) expect(new Blob([JSON.stringify(body)]).size).toBeLessThan(61_000);
    expect(net.bodies.length).toBeGreaterThan(1);
  });
});

describe('retry', () => {
  it.each([
    // answers, ms to wait, expected requests, expected delivered
    [[{ status: 503 }], 900, 1, false], // random 0.5 → first retry after 1 s
    [[{ status: 503 }], 1000, 2, true],
    [['reject'], 1000, 2, true], // network error
    [[retryAfter(429, 3)], 3000, 1, false], // Retry-After 3 s + jitter 0.5 s
    [[retryAfter(429, 3)], 3500, 2, true],
    [[{ status: 503 }, { status: 503 }, { status: 500 }], 1000 + 2000 + 4000, 4, true], // exponential
    [[{ status: 400 }], 120_000, 1, false], // never on other 4xx: dropped
    [[{ status: 401 }], 120_000, 1, false],
    [[{ status: 413 }], 120_000, 1, false],
  ] as const)('%j, after %s ms → %s requests', async (script, wait, requests, delivered) => {
    const { queue, net, device } = setup({ script: [...script] });
    queue.push(msg());
    queue.flush();
    await vi.advanceTimersByTimeAsync(wait);
    expect(net.bodies).toHaveLength(requests);
    if (delivered) expect(Object.keys(device)).toEqual([]);
  });

  it('does not send again while a request is out, but a page hide does (what is not in flight)', async () => {
    const { queue, net } = setup();
    const first = msg();
    queue.push(first);
    queue.flush(); // out; its answer comes on a later tick
    queue.push(msg());
    queue.flush();
    expect(net.bodies).toHaveLength(1);
    queue.flush(true);
    expect(net.bodies).toHaveLength(2);
    expect(net.bodies[1]!.batch.map((m) => m.messageId)).not.toContain(first.messageId);
    await vi.advanceTimersByTimeAsync(5000);
    expect(net.bodies).toHaveLength(2);
  });

  it('a forced flush skips the backoff (back online)', async () => {
    const { queue, net } = setup({ script: ['reject', 'reject'] });
    queue.push(msg());
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(net.bodies).toHaveLength(1);
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(net.bodies).toHaveLength(1); // backing off
    queue.flush(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(net.bodies).toHaveLength(2);
  });
});

describe('several tabs', () => {
  it('each tab sends only its own messages', async () => {
    const device = memoryStorage();
    const a = setup({ device, tab: 'a' });
    const b = setup({ device, tab: 'b' });
    for (let i = 0; i < 5; i++) {
      a.queue.push(msg());
      b.queue.push(msg());
    }
    await vi.advanceTimersByTimeAsync(1000);
    const all = [...a.net.ids(), ...b.net.ids()];
    expect(all).toHaveLength(10);
    expect(new Set(all).size).toBe(10);
  });

  it('a live tab keeps its queue; a gone one is adopted once, by one tab', async () => {
    const device = memoryStorage();
    // what a page left when it was closed with two messages not yet acknowledged
    const orphan = [msg(), msg()];
    device.setItem(QUEUE_PREFIX + 'gone', JSON.stringify({ t: Date.now(), q: orphan }));
    const b = setup({ device, tab: 'b' });
    const c = setup({ device, tab: 'c' });
    b.queue.push(msg());
    c.queue.push(msg());
    await vi.advanceTimersByTimeAsync(1000); // within the lease: not adopted
    expect([...b.net.ids(), ...c.net.ids()]).not.toContain(orphan[0]!.messageId);
    vi.advanceTimersByTime(LEASE_MS);
    b.queue.flush();
    c.queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    const delivered = [...b.net.ids(), ...c.net.ids()].filter((id) => orphan.some((m) => m.messageId === id));
    expect(delivered.sort()).toEqual(orphan.map((m) => m.messageId).sort());
    expect(device.getItem(QUEUE_PREFIX + 'gone')).toBeNull();
  });

  it('an owner whose queue was adopted does not send it again', async () => {
    const device = memoryStorage();
    const slow = setup({ device, tab: 'slow', script: [retryAfter(503, 30)] });
    const m = msg();
    slow.queue.push(m);
    slow.queue.flush();
    await vi.advanceTimersByTimeAsync(LEASE_MS + 1); // backing off for 30 s: its heartbeat is stale
    const other = setup({ device, tab: 'other' });
    other.queue.flush();
    await vi.advanceTimersByTimeAsync(40_000);
    expect(other.net.ids()).toEqual([m.messageId]);
    expect(slow.net.ids()).toEqual([m.messageId]); // only its first, failed attempt
  });
});
