import type { Api, SiteInfo } from './api.js';
import type { DateRange } from './dates.js';

/** What every page is given by the shell. */
export interface PageContext {
  api: Api;
  site: SiteInfo;
  params: Record<string, string>;
  range: DateRange;
  /** Changes the reporting range (kept in the URL, so a reload or a shared link keeps it). */
  setRange(range: DateRange): void;
  /** Goes to a path of the app without reloading. */
  navigate(path: string): void;
  /** The current time, injectable for the range presets. */
  now: number;
}

export type Page = (ctx: PageContext) => HTMLElement;
