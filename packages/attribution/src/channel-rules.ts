/**
 * Site-defined channel rules: checked before GA4's defaults, first match wins. A site uses them to name
 * its own channels (an "Offline" channel for `callcenter / phone`, a "Partners" channel for a few referrers).
 */

/**
 * A condition on one field. A plain string matches the whole value, case-insensitively
 * (`"facebook"` matches `Facebook`, not `facebook.com`). A string written as `/pattern/flags` is a regular
 * expression tested against the lowercased value; it is always case-insensitive and may add the flags
 * `s` and `u`. Anchor it yourself (`/^partner-/`) when a prefix is meant.
 */
export type ChannelRuleMatch = string;

/** Which touches a rule applies to: every field given must match (AND). At least one field is required. */
export interface ChannelRuleCondition {
  source?: ChannelRuleMatch;
  medium?: ChannelRuleMatch;
  campaign?: ChannelRuleMatch;
}

/** One site-defined rule: touches matching `when` get `channel`. */
export interface ChannelRule {
  /** The channel name to report, e.g. `"Offline"`; free text, 1–100 characters. */
  channel: string;
  when: ChannelRuleCondition;
}

/** A problem found by {@link validateChannelRules}, located by a path such as `rules[2].when.source`. */
export interface ChannelRuleIssue {
  path: string;
  message: string;
}

/** Bounds that keep a site's settings small and its rules cheap to run on every touch. */
export const MAX_CHANNEL_RULES = 100;
export const MAX_CHANNEL_NAME_LENGTH = 100;
export const MAX_RULE_PATTERN_LENGTH = 500;

const FIELDS = ['source', 'medium', 'campaign'] as const;
type Field = (typeof FIELDS)[number];
const REGEX_LITERAL = /^\/(.+)\/([a-z]*)$/s;
const ALLOWED_FLAGS = new Set(['i', 's', 'u']);

/** A rule compiled once: regular expressions built, exact strings lowercased. */
export interface CompiledChannelRule {
  channel: string;
  tests: ReadonlyArray<{ field: Field; test: (value: string) => boolean }>;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Parses one match string; returns the matcher or the reason it is unusable. */
function compileMatch(pattern: string): ((value: string) => boolean) | string {
  const literal = REGEX_LITERAL.exec(pattern);
  if (!literal) {
    const exact = pattern.trim().toLowerCase();
    return (value) => value === exact;
  }
  const [, body = '', flags = ''] = literal;
  const bad = [...flags].filter((f) => !ALLOWED_FLAGS.has(f));
  if (bad.length > 0) return `flag${bad.length > 1 ? 's' : ''} ${bad.join('')} not allowed (only i, s, u)`;
  try {
    // Always case-insensitive, like the exact matches; `g`/`y` are refused because they make test() stateful.
    const re = new RegExp(body, [...new Set(['i', ...flags])].join(''));
    return (value) => re.test(value);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
}

/**
 * Checks site rules as they arrive from `PATCH /v1/site` (untrusted JSON). Returns every problem found,
 * an empty array when the rules are usable.
 */
export function validateChannelRules(rules: unknown): ChannelRuleIssue[] {
  return compileInternal(rules).issues;
}

/** Compiles rules, throwing a TypeError that lists every problem when they are malformed. */
export function compileChannelRules(rules: unknown): CompiledChannelRule[] {
  const { compiled, issues } = compileInternal(rules);
  if (issues.length > 0) {
    throw new TypeError(`invalid channel rules: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  return compiled;
}

function compileInternal(rules: unknown): { compiled: CompiledChannelRule[]; issues: ChannelRuleIssue[] } {
  const issues: ChannelRuleIssue[] = [];
  const compiled: CompiledChannelRule[] = [];
  if (!Array.isArray(rules)) return { compiled, issues: [{ path: 'rules', message: 'must be an array of rules' }] };
  if (rules.length > MAX_CHANNEL_RULES) {
    issues.push({ path: 'rules', message: `at most ${MAX_CHANNEL_RULES} rules, got ${rules.length}` });
  }
  rules.forEach((rule: unknown, i) => {
    const at = `rules[${i}]`;
    if (!isRecord(rule)) {
      issues.push({ path: at, message: 'must be an object {channel, when}' });
      return;
    }
    for (const key of Object.keys(rule)) {
      if (key !== 'channel' && key !== 'when') issues.push({ path: `${at}.${key}`, message: 'unknown field (expected channel, when)' });
    }
    const { channel, when } = rule;
    if (typeof channel !== 'string' || channel.trim() === '') {
      issues.push({ path: `${at}.channel`, message: 'must be a non-empty string' });
    } else if (channel.length > MAX_CHANNEL_NAME_LENGTH) {
      issues.push({ path: `${at}.channel`, message: `must be at most ${MAX_CHANNEL_NAME_LENGTH} characters` });
    }
    if (!isRecord(when)) {
      issues.push({ path: `${at}.when`, message: 'must be an object with source, medium and/or campaign' });
      return;
    }
    const tests: Array<{ field: Field; test: (value: string) => boolean }> = [];
    for (const key of Object.keys(when)) {
      const path = `${at}.when.${key}`;
      if (!(FIELDS as readonly string[]).includes(key)) {
        issues.push({ path, message: 'unknown field (expected source, medium or campaign)' });
        continue;
      }
      const pattern = when[key];
      if (typeof pattern !== 'string' || pattern.trim() === '') {
        issues.push({ path, message: 'must be a non-empty string (exact value or /regex/)' });
        continue;
      }
      if (pattern.length > MAX_RULE_PATTERN_LENGTH) {
        issues.push({ path, message: `must be at most ${MAX_RULE_PATTERN_LENGTH} characters` });
        continue;
      }
      const test = compileMatch(pattern);
      if (typeof test === 'string') issues.push({ path, message: test });
      else tests.push({ field: key as Field, test });
    }
    // A rule without conditions would swallow every touch and hide all default channels: surely a mistake.
    if (Object.keys(when).length === 0) issues.push({ path: `${at}.when`, message: 'needs at least one of source, medium, campaign' });
    if (typeof channel === 'string') compiled.push({ channel: channel.trim(), tests });
  });
  return { compiled, issues };
}
