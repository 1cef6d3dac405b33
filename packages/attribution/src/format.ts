import type { AttributionResult } from './journey.js';

export interface FormatOptions {
  /** Pretty-printed JSON instead of a text table. Default false. */
  json?: boolean;
  /** Heading of the key column in text output. Default `'channel'`. */
  keyLabel?: string;
}

/**
 * Renders results for a terminal or a script. One result: a table of credited conversions, share, value
 * (and removal effect for markov). Several results: two tables side by side per model, conversions then
 * value, rows in the order of the first result. JSON mirrors the input: one object, or an array.
 * The text has no trailing newline.
 */
export function formatAttribution(result: AttributionResult | readonly AttributionResult[], options: FormatOptions = {}): string {
  if (options.json) return JSON.stringify(result, null, 2);
  const label = options.keyLabel ?? 'channel';
  if (!isList(result)) return formatOne(result, label);
  if (result.length === 1) return formatOne(result[0]!, label);
  return formatMany(result, label);
}

const isList = (r: AttributionResult | readonly AttributionResult[]): r is readonly AttributionResult[] => Array.isArray(r);

const fixed = (n: number, digits = 2): string => (Object.is(n, -0) ? 0 : n).toFixed(digits);
const percent = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

function formatOne(result: AttributionResult, label: string): string {
  const markov = result.model === 'markov';
  const header = [label, 'conversions', 'share', 'value', ...(markov ? ['removal effect'] : [])];
  const body = result.rows.map((row) => [
    row.key,
    fixed(row.conversions),
    percent(row.conversions, result.totalConversions),
    fixed(row.value),
    ...(markov ? [fixed(row.removalEffect ?? 0, 4)] : []),
  ]);
  const total = ['total', fixed(result.totalConversions), percent(result.totalConversions, result.totalConversions), fixed(result.totalValue), ...(markov ? [''] : [])];
  const lines = [`model: ${result.model}`, ...table(header, body, total)];
  if (markov) lines.push(`conversion probability: ${fixed(result.conversionProbability ?? 0, 4)}`);
  lines.push(...uncreditedNote(result));
  return lines.join('\n');
}

function formatMany(results: readonly AttributionResult[], label: string): string {
  const keys = results[0]!.rows.map((r) => r.key);
  const seen = new Set(keys);
  for (const row of results.flatMap((r) => r.rows)) {
    if (seen.has(row.key)) continue;
    seen.add(row.key);
    keys.push(row.key);
  }
  const header = [label, ...results.map((r) => r.model)];
  const section = (field: 'conversions' | 'value', totalField: 'totalConversions' | 'totalValue') => {
    const lookups = results.map((r) => new Map(r.rows.map((row) => [row.key, row[field]])));
    const body = keys.map((key) => [key, ...lookups.map((m) => fixed(m.get(key) ?? 0))]);
    return table(header, body, ['total', ...results.map((r) => fixed(r[totalField]))]);
  };
  const lines = ['conversions credited', ...section('conversions', 'totalConversions'), '', 'value credited', ...section('value', 'totalValue')];
  const markov = results.find((r) => r.model === 'markov');
  if (markov) lines.push('', `markov conversion probability: ${fixed(markov.conversionProbability ?? 0, 4)}`);
  lines.push(...uncreditedNote(results[0]!));
  return lines.join('\n');
}

function uncreditedNote(result: AttributionResult): string[] {
  const { conversions, value } = result.uncredited;
  return conversions > 0 || value !== 0 ? [`not credited (journeys without touches): ${fixed(conversions)} conversions, value ${fixed(value)}`] : [];
}

/** Left-aligned first column, right-aligned numbers, a rule above the total. */
function table(header: string[], body: string[][], total: string[]): string[] {
  const all = [header, ...body, total];
  const widths = header.map((_, c) => all.reduce((w, row) => Math.max(w, (row[c] ?? '').length), 0));
  const render = (row: string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(header), ...body.map(render), rule, render(total)];
}
