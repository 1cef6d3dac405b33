import { describe, expect, it } from 'vitest';
import { switchesPerson } from '../src/identity.js';

describe('switchesPerson', () => {
  it.each<[string | undefined, string | null | undefined, boolean, string]>([
    [undefined, 'u1', false, 'first identify'],
    ['u1', 'u1', false, 'same user again'],
    ['u1', null, false, 'traits only'],
    ['u1', undefined, false, 'traits only'],
    ['u1', 'u2', true, 'another person on this browser'],
    ['42', 42 as unknown as string, false, 'numbers compare as strings'],
  ])('stored %s, identify %s → %s (%s)', (stored, userId, expected) => {
    expect(switchesPerson(stored, userId)).toBe(expected);
  });
});
