import type { KV } from './types.js';

/** JSON.parse that answers undefined for anything unreadable (a missing key, a value another script mangled). */
export const parseJSON = (text: string | null | undefined): any => {
  try {
    return JSON.parse(text!);
  } catch {
    return undefined;
  }
};

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
  let memory = new Map<string, string>();
  let onDevice = false;
  const use = <T>(fn: (s: Storage) => T): T | undefined => {
    try {
      if (onDevice) return fn(device());
    } catch {
      // unavailable: memory it is
    }
    return undefined;
  };
  const store: ConsentStore = {
    get: (key) => memory.get(key) ?? use((s) => s.getItem(key)),
    set: (key, value) => void (use((s) => (s.setItem(key, value), memory.delete(key))) ?? memory.set(key, value)),
    del(key) {
      memory.delete(key);
      use((s) => s.removeItem(key));
    },
    keys: () => [...memory.keys(), ...(use((s) => Object.keys(s)) ?? [])].filter((k) => k.startsWith(prefix)),
    keepOnDevice() {
      onDevice = true;
      for (const [key, value] of memory) store.set(key, value);
    },
    wipe() {
      onDevice = true; // what an earlier page stored must go too
      for (const key of store.keys()) store.del(key);
      memory = new Map();
      onDevice = false;
    },
  };
  return store;
}
