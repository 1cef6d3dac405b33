/**
 * Small seeded pseudo-random generators for reproducible data. Not for anything secret.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** splitmix32's output function: a bijective 32-bit mix, used to spread seeds over the state. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator): 128 bits of state, so streams seeded
 * from (seed, stream) pairs do not collide the way 32-bit-state generators such as mulberry32 would when
 * 100,000 persons each get their own stream. `stream` picks an independent sequence for the same seed.
 */
export function createRandom(seed: number, stream = 0): Random {
  // Two of the four words are bijections of the seed and of the stream: distinct pairs, distinct states.
  let a = mix32(seed >>> 0);
  let b = mix32((stream >>> 0) ^ 0x5bd1e995);
  let c = mix32((seed ^ 0x27d4eb2f) >>> 0);
  let d = (stream >>> 0) ^ 0x165667b1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm-up, as the generator's author recommends
  return next;
}

/** An integer in [min, max], both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty list, uniformly. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/**
 * A picker of one element of a non-empty list with probability proportional to `weightOf`. The
 * cumulative weights are summed once, so each pick is a binary search.
 */
export function weightedPicker<T>(items: readonly T[], weightOf: (item: T) => number): (random: Random) => T {
  const cumulative: number[] = [];
  let total = 0;
  for (const item of items) cumulative.push((total += weightOf(item)));
  if (items.length === 0 || !(total > 0)) throw new RangeError('weightedPicker needs items with a positive total weight');
  return (random) => {
    const target = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return items[lo]!;
  };
}

/** A count ≥ 0 with the given mean, geometrically distributed (many small, a few large). */
export function geometric(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  const p = 1 / (1 + mean);
  return Math.floor(Math.log(1 - random()) / Math.log(1 - p));
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A UUID v4-shaped string drawn from `random` (reproducible, so not a real random UUID). */
export function randomUuid(random: Random): string {
  const bytes = new Array<number>(16);
  for (let w = 0; w < 4; w++) {
    const word = Math.floor(random() * 4294967296);
    for (let b = 0; b < 4; b++) bytes[w * 4 + b] = (word >>> (24 - 8 * b)) & 0xff;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  let out = '';
  bytes.forEach((byte, i) => {
    out += HEX[byte]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) out += '-';
  });
  return out;
}
