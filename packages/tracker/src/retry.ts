/** Longest wait between two attempts when the server gave no Retry-After. */
export const MAX_BACKOFF_MS = 60_000;

/** Network errors (0), server errors and rate limiting are worth another attempt; other 4xx never are. */
export const shouldRetry = (status: number): boolean => !status || status >= 500 || status == 429;

/**
 * Milliseconds before attempt `attempt + 1`. A Retry-After is honoured (never earlier), plus up to a
 * second of jitter so that many browsers do not come back at the same instant; otherwise exponential
 * backoff from 1 s, capped, with ±50 % jitter.
 */
export function retryDelay(attempt: number, retryAfterSeconds: number | undefined, random: () => number): number {
  return retryAfterSeconds! > 0
    ? (retryAfterSeconds! + random()) * 1000
    : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + random());
}
