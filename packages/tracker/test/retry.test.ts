import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, retryDelay, shouldRetry } from '../src/retry.js';

describe('shouldRetry', () => {
  it.each([
    [0, true],
    [200, false],
    [202, false],
    [400, false],
    [401, false],
    [403, false],
    [413, false],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
  ])('status %s → %s', (status, expected) => expect(shouldRetry(status)).toBe(expected));
});

describe('retryDelay', () => {
  it.each([
    // attempt, Retry-After, random, expected ms
    [0, undefined, 0, 500],
    [0, undefined, 0.5, 1000],
    [0, undefined, 0.999, 1499],
    [1, undefined, 0.5, 2000],
    [3, undefined, 0.5, 8000],
    [10, undefined, 0.5, MAX_BACKOFF_MS],
    [40, undefined, 0, MAX_BACKOFF_MS / 2],
    [0, 5, 0, 5000],
    [0, 5, 0.5, 5500],
    [9, 2, 0.25, 2250],
    [2, 0, 0.5, 4000],
  ])('attempt %s, Retry-After %s, random %s → %s', (attempt, retryAfter, random, expected) => {
    expect(Math.round(retryDelay(attempt, retryAfter, () => random))).toBe(expected);
  });

  it('never retries before Retry-After', () => {
    for (let i = 0; i < 100; i++) expect(retryDelay(i % 5, 3, Math.random)).toBeGreaterThanOrEqual(3000);
  });
});
