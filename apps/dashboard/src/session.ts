/**
 * Where the secret key lives while the dashboard is open: sessionStorage only, so it is gone when the
 * tab closes, is never shared with other tabs through localStorage, and never appears in a URL.
 */

const STORAGE_KEY = 'lazo.dashboard.key';

export interface KeyStore {
  get(): string | undefined;
  set(key: string): void;
  clear(): void;
}

export function createKeyStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined): KeyStore {
  // Storage can throw (disabled storage, some private modes): the key is then kept for this page only.
  let memory: string | undefined;
  return {
    get() {
      try {
        return storage?.getItem(STORAGE_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set(key) {
      memory = key;
      try {
        storage?.setItem(STORAGE_KEY, key);
      } catch {
        /* kept in memory */
      }
    },
    clear() {
      memory = undefined;
      try {
        storage?.removeItem(STORAGE_KEY);
      } catch {
        /* nothing stored */
      }
    },
  };
}

/** What a key typed into the sign-in form looks like, checked before asking the server. */
export function checkKeyShape(key: string): string | undefined {
  if (!key) return 'Enter your site’s secret key.';
  if (key.startsWith('pk_')) return 'That is the public key (pk_…), the one in your site’s pages. Sign in with the secret key (sk_…).';
  if (!/^sk_[A-Za-z0-9_-]{32}$/.test(key)) return 'A secret key looks like sk_ followed by 32 letters, digits, “_” or “-”.';
  return undefined;
}
