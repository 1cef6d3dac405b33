import { guard } from './guard.js';
import type { KV } from './types.js';

/** JSON.parse that answers undefined for anything unreadable (a missing key, a value another script mangled). */
export const parseJSON: (text: string | null | undefined) => any = guard(JSON.parse as (text: unknown) => any);

export interface ConsentStore extends KV {
  /** Consent granted: move what was kept in memory to the device, and write there from now on. */
  keepOnDevice(): void;
  /** Consent denied or withdrawn: delete every Lazo key from the device and from memory. */
  wipe(): void;
}

/**
 * Lazo's key-value store. Until `keepOnDevice()` everything lives in memory, so nothing touches the
 * device before consent. After it, localStorage; where that is missing, blocked (SecurityError) or full
 * (QuotaExceededError) values stay in memory instead, as Segment's persisted storage does.
 * Only keys starting with `prefix` are listed and wiped.
 */
export function createConsentStore(device: () => Storage, prefix = 'lazo'): ConsentStore {
  let memory: Record<string, string> = {};
  let onDevice = false;
  // undefined when not on the device yet, or when the device fails (unavailable: memory it is)
  const use = guard(<T>(fn: (s: Storage) => T): T | undefined => (onDevice ? fn(device()) : undefined));
  const store: ConsentStore = {
    get: (key) => memory[key] ?? use((s) => s.getItem(key)),
    set: (key, value) => void (use((s) => (s.setItem(key, value), delete memory[key])) ?? (memory[key] = value)),
    del(key) {
      delete memory[key];
      use((s) => s.removeItem(key));
    },
    keys: () => Object.keys(memory).concat(use(Object.keys) ?? []).filter((k) => k.startsWith(prefix)),
    keepOnDevice() {
      onDevice = true;
      for (const key in memory) store.set(key, memory[key]!);
    },
    wipe() {
      onDevice = true; // what an earlier page stored must go too
      for (const key of store.keys()) store.del(key);
      memory = {};
      onDevice = false;
    },
  };
  return store;
}
