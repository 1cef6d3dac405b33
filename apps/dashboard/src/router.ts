/** Paths of the app under /dashboard. Pure, so that routing is tested without a browser. */

export const BASE = '/dashboard';

export type PageId = 'overview' | 'channels' | 'leads' | 'lead' | 'data';

export interface Route {
  page: PageId;
  params: Record<string, string>;
}

export function matchRoute(pathname: string): Route | undefined {
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) return undefined;
  const parts = pathname
    .slice(BASE.length)
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (parts.length === 0) return { page: 'overview', params: {} };
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return undefined;
  if (first === 'channels' && !second) return { page: 'channels', params: {} };
  if (first === 'data' && !second) return { page: 'data', params: {} };
  if (first === 'leads') return second ? { page: 'lead', params: { id: second } } : { page: 'leads', params: {} };
  return undefined;
}

export const leadPath = (id: string) => `${BASE}/leads/${encodeURIComponent(id)}`;
