import { describe, expect, it } from 'vitest';
import { MAX_CHANNEL_RULES, validateChannelRules } from '../src/index.js';

describe('validateChannelRules', () => {
  it.each([
    ['an empty list', []],
    ['exact matches', [{ channel: 'Offline', when: { source: 'callcenter', medium: 'phone' } }]],
    ['a regex', [{ channel: 'Partners', when: { source: '/^partner-/' } }]],
    ['a regex with allowed flags', [{ channel: 'Partners', when: { campaign: '/^spring.sale$/su' } }]],
    ['a slash alone is an exact value', [{ channel: 'Odd', when: { source: '/' } }]],
  ])('accepts %s', (_name, rules) => {
    expect(validateChannelRules(rules)).toEqual([]);
  });

  it.each([
    ['not an array', { channel: 'x' }, 'rules', 'must be an array'],
    ['a rule that is not an object', ['Offline'], 'rules[0]', 'must be an object'],
    ['a missing channel', [{ when: { source: 'x' } }], 'rules[0].channel', 'non-empty string'],
    ['a blank channel', [{ channel: '  ', when: { source: 'x' } }], 'rules[0].channel', 'non-empty string'],
    ['a channel too long', [{ channel: 'x'.repeat(101), when: { source: 'x' } }], 'rules[0].channel', 'at most 100'],
    ['a missing when', [{ channel: 'X' }], 'rules[0].when', 'must be an object'],
    ['an empty when', [{ channel: 'X', when: {} }], 'rules[0].when', 'at least one'],
    ['a misspelt field', [{ channel: 'X', when: { sorce: 'x' } }], 'rules[0].when.sorce', 'unknown field'],
    ['an unknown rule field', [{ channel: 'X', when: { source: 'x' }, priority: 1 }], 'rules[0].priority', 'unknown field'],
    ['a number as pattern', [{ channel: 'X', when: { medium: 3 } }], 'rules[0].when.medium', 'non-empty string'],
    ['an empty pattern', [{ channel: 'X', when: { medium: '' } }], 'rules[0].when.medium', 'non-empty string'],
    ['a broken regex', [{ channel: 'X', when: { campaign: '/([a-z]/' } }], 'rules[0].when.campaign', 'invalid regular expression'],
    ['a stateful regex flag', [{ channel: 'X', when: { source: '/x/g' } }], 'rules[0].when.source', 'flag g not allowed'],
    ['a pattern too long', [{ channel: 'X', when: { source: 'x'.repeat(501) } }], 'rules[0].when.source', 'at most 500'],
    ['too many rules', Array.from({ length: MAX_CHANNEL_RULES + 1 }, () => ({ channel: 'X', when: { source: 'x' } })), 'rules', `at most ${MAX_CHANNEL_RULES}`],
  ])('rejects %s', (_name, rules, path, message) => {
    const issues = validateChannelRules(rules);
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('reports every problem, each at its own place', () => {
    const issues = validateChannelRules([
      { channel: 'Fine', when: { source: 'a' } },
      { channel: '', when: { source: '/(/' } },
    ]);
    expect(issues.map((i) => i.path)).toEqual(['rules[1].channel', 'rules[1].when.source']);
  });
});
