export interface CookieJar {
  get(): string | undefined;
  set(value: string, maxAge?: number): void;
  del(): void;
}

/**
 * The first-party id cookie: SameSite=Lax, Secure on https, `Max-Age` in days. It is written when the id
 * is created and not re-written on each visit, so it lives `days` from the grant (CNIL's 13-month rule).
 */
export function cookieJar(
  name: string,
  days: number,
  domain: string | undefined,
  doc: { cookie: string } = document,
  secure = location.protocol == 'https:',
): CookieJar {
  const jar: CookieJar = {
    get: () => doc.cookie.match(`(^|; )${name}=([^;]+)`)?.[2],
    set(value, maxAge = days * 86400) {
      doc.cookie = `${name}=${value};Path=/;Max-Age=${maxAge};SameSite=Lax` + (domain ? ';Domain=' + domain : '') + (secure ? ';Secure' : '');
    },
    del: () => jar.set('', 0),
  };
  return jar;
}
