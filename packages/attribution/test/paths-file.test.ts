import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODEL_NAMES, PathsFileError, attribute, parsePathsFile } from '../src/index.js';

const simplified = (text: string) => parsePathsFile(text).map((j) => [j.touches.map((t) => t.channel).join('>'), j.conversions, j.value, j.nulls]);

describe('parsePathsFile', () => {
  it.each([
    ['semicolons', 'path;total_conversions;total_conversion_value;total_null\na > b;2;10.5;3\nc;0;0;1\n'],
    ['commas', 'path,total_conversions,total_conversion_value,total_null\na > b,2,10.5,3\nc,0,0,1'],
    ['tabs', 'path\ttotal_conversions\ttotal_conversion_value\ttotal_null\na > b\t2\t10.5\t3\nc\t0\t0\t1'],
    ['CRLF, a BOM and blank lines', '\uFEFFpath;total_conversions;total_conversion_value;total_null\r\n\r\na > b;2;10.5;3\r\nc;0;0;1\r\n\r\n'],
    ['columns in another order, upper case', 'TOTAL_NULL;Path;Total_Conversions;Total_Conversion_Value\n3;a > b;2;10.5\n1;c;0;0'],
    ['quoted fields', 'path,total_conversions,total_conversion_value,total_null\n"a > b",2,"10.5",3\n"c",0,0,1'],
    ['spaces around names and numbers', 'path;total_conversions;total_conversion_value;total_null\n  a>b ; 2 ; 10.5 ; 3\nc;0;0;1'],
  ])('reads %s', (_name, text) => {
    expect(simplified(text)).toEqual([
      ['a>b', 2, 10.5, 3],
      ['c', 0, 0, 1],
    ]);
  });

  it('defaults missing value and null columns to 0', () => {
    expect(simplified('path;total_conversions\na > b;4')).toEqual([['a>b', 4, 0, 0]]);
  });

  it('keeps channel names that contain spaces', () => {
    expect(simplified('path;total_conversions\nPaid Search > Organic Social;1')).toEqual([['Paid Search>Organic Social', 1, 0, 0]]);
  });

  it.each([
    ['an empty file', '', 1, /the file is empty/],
    ['a header without the needed columns', 'channels;conversions\na;1', 1, /header must name at least path and total_conversions/],
    ['a header with no separator', 'path\na', 1, /header must name/],
    ['a short line', 'path;total_conversions;total_conversion_value;total_null\na > b;2;10', 2, /expected 4 fields separated by ";", found 3/],
    ['a text where a number belongs', 'path;total_conversions;total_conversion_value;total_null\n\na;two;1;1', 3, /total_conversions must be a non-negative number, got "two"/],
    ['a negative count', 'path;total_conversions;total_conversion_value;total_null\na;1;1;-1', 2, /total_null must be a non-negative number, got "-1"/],
    ['an empty count', 'path;total_conversions;total_conversion_value;total_null\na;;1;1', 2, /total_conversions must be a non-negative number, got ""/],
    ['an empty channel in a path', 'path;total_conversions;total_conversion_value;total_null\na > > b;1;1;1', 2, /empty channel name/],
    ['a trailing separator in a path', 'path;total_conversions;total_conversion_value;total_null\na >;1;1;1', 2, /empty channel name/],
  ])('rejects %s with its line number', (_name, text, line, message) => {
    let error: unknown;
    try {
      parsePathsFile(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PathsFileError);
    const { issues, message: text2 } = error as PathsFileError;
    expect(issues[0]!.line).toBe(line);
    expect(issues[0]!.message).toMatch(message);
    expect(text2).toContain(`line ${line}: `);
  });

  it('reports every bad line, listing the first 20 in the message', () => {
    const bad = Array.from({ length: 25 }, (_, i) => `p${i};x;0;0`).join('\n');
    let error: PathsFileError | undefined;
    try {
      parsePathsFile(`path;total_conversions;total_conversion_value;total_null\na;1;1;1\n${bad}`);
    } catch (e) {
      error = e as PathsFileError;
    }
    expect(error!.issues.map((i) => i.line)).toEqual(Array.from({ length: 25 }, (_, i) => i + 3));
    expect(error!.message).toContain('line 22: ');
    expect(error!.message).not.toContain('line 23: ');
    expect(error!.message).toContain('… and 5 more');
  });
});

describe('the 10,000-path file, every model', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../../shared/data/channelattribution-paths.csv', import.meta.url)), 'utf8');
  const journeys = parsePathsFile(text);
  // The file's own totals, summed here from the raw columns.
  const rows = text.trim().split('\n').slice(1).map((line) => line.split(';'));
  const fileConversions = rows.reduce((s, r) => s + Number(r[1]), 0);
  const fileValue = rows.reduce((s, r) => s + Number(r[2]), 0);

  it('reads all 10,000 paths', () => {
    expect(journeys).toHaveLength(10_000);
    expect(fileConversions).toBeGreaterThan(0);
  });

  it.each(MODEL_NAMES)('%s credits all conversions and value to the 12 channels', (model) => {
    const result = attribute(journeys, model);
    expect(result.rows).toHaveLength(12);
    expect(result.totalConversions).toBe(fileConversions);
    expect(result.rows.reduce((s, r) => s + r.conversions, 0)).toBeCloseTo(fileConversions, 6);
    expect(result.rows.reduce((s, r) => s + r.value, 0)).toBeCloseTo(fileValue, 4);
    for (const row of result.rows) {
      expect(row.conversions).toBeGreaterThanOrEqual(0);
      expect(row.conversions).toBeLessThanOrEqual(fileConversions);
    }
    if (model === 'markov') {
      expect(result.conversionProbability).toBeGreaterThan(0);
      expect(result.conversionProbability).toBeLessThan(1);
      for (const row of result.rows) expect(row.removalEffect).toBeGreaterThanOrEqual(0);
    }
  });
});
