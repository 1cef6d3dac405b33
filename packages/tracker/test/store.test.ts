import { describe, expect, it } from 'vitest';
import { createConsentStore, parseJSON } from '../src/store.js';
import { memoryStorage } from './helpers.js';

describe('createConsentStore', () => {
  it('keeps everything in memory until consent, then moves it to the device', () => {
    const device = memoryStorage();
    const store = createConsentStore(() => device);
    store.set('lazo', '{"u":"a"}');
    store.set('lazo_q.t1', '[]');
    expect(Object.keys(device)).toEqual([]);
    expect(store.get('lazo')).toBe('{"u":"a"}');
    store.keepOnDevice();
    expect(device.getItem('lazo')).toBe('{"u":"a"}');
    expect(device.getItem('lazo_q.t1')).toBe('[]');
    store.set('lazo', '{}');
    expect(device.getItem('lazo')).toBe('{}');
    expect(store.keys().sort()).toEqual(['lazo', 'lazo_q.t1']);
  });

  it('lists and wipes only its own keys, including what an earlier page left', () => {
    const device = memoryStorage();
    device.setItem('lazo_q.old', '[]');
    device.setItem('theme', 'dark');
    const store = createConsentStore(() => device);
    store.set('lazo', '{}');
    store.wipe();
    expect(Object.keys(device)).toEqual(['theme']);
    expect(store.get('lazo')).toBeUndefined();
    store.set('lazo', '{}'); // after a wipe: memory again
    expect(Object.keys(device)).toEqual(['theme']);
  });

  it.each([
    ['blocked (SecurityError)', () => { throw new DOMException('denied', 'SecurityError'); }],
    [
      'full (QuotaExceededError)',
      () => Object.assign(memoryStorage(), { setItem() { throw new DOMException('full', 'QuotaExceededError'); } }),
    ],
  ])('falls back to memory when localStorage is %s', (_name, device) => {
    const store = createConsentStore(device as () => Storage);
    store.keepOnDevice();
    store.set('lazo', 'x');
    expect(store.get('lazo')).toBe('x');
    expect(store.keys()).toEqual(['lazo']);
    store.del('lazo');
    expect(store.get('lazo') ?? undefined).toBeUndefined();
  });
});

describe('parseJSON', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    [null, null],
    [undefined, undefined],
    ['{broken', undefined],
  ])('%s', (text, expected) => expect(parseJSON(text)).toEqual(expected));
});
