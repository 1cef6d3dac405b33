export interface CookieJar {
  get(): string | undefined;
  set(value: string): void;
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
  secure = location.protocol === 'https:',
): CookieJar {
  const write = (value: string, maxAge: number) => {
    doc.cookie =
      `${name}=${value};Path=/;Max-Age=${maxAge};SameSite=Lax` +
      (domain ? ';Domain=' + domain : '') +
      (secure ? ';Secure' : '');
  };
  return {
    get: () => doc.cookie.match(new RegExp(`(?:^|; )${name}=([^;]+)`))?.[1],
    set: (value) => write(value, days * 86400),
    del: () => write('', 0),
  };
}
