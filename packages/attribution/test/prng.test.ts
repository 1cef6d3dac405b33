import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/index.js';
import { geometric, randomUuid, weightedPicker } from '../src/prng.js';

describe('seeded random numbers', () => {
  it('repeats for the same seed and stream, and differs across seeds and streams', () => {
    const draw = (seed: number, stream?: number) => Array.from({ length: 5 }, createRandom(seed, stream));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(1, 1)).not.toEqual(draw(1, 2));
    for (const x of draw(3)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('is roughly uniform', () => {
    const random = createRandom(5);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(random() * 10)]!++;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('picks by weight, never a zero-weight item', () => {
    const pick = weightedPicker(['a', 'never', 'b'], (x) => ({ a: 1, never: 0, b: 3 })[x]!);
    const random = createRandom(9);
    const counts = { a: 0, never: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 40_000; i++) counts[pick(random)]!++;
    expect(counts.never).toBe(0);
    expect(counts.b! / counts.a!).toBeGreaterThan(2.7);
    expect(counts.b! / counts.a!).toBeLessThan(3.3);
    expect(() => weightedPicker([], () => 1)).toThrow(RangeError);
  });

  it('draws geometric counts with the asked mean', () => {
    const random = createRandom(4);
    let sum = 0;
    for (let i = 0; i < 50_000; i++) sum += geometric(random, 2.5);
    expect(sum / 50_000).toBeCloseTo(2.5, 1);
    expect(geometric(random, 0)).toBe(0);
  });

  it('makes UUID v4-shaped ids', () => {
    const random = createRandom(1);
    for (let i = 0; i < 100; i++) expect(randomUuid(random)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
