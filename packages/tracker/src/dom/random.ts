/** 20 characters of [0-9a-z] from the CSPRNG (~103 bits); crypto.randomUUID exists only in secure contexts. */
export const randomId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => (b % 36).toString(36)).join('');
