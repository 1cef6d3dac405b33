import { describe, expect, it } from 'vitest';
import { MODEL_NAMES, attribute, formatAttribution, runAttributeCommand, type AttributionResult } from '../src/index.js';

const FILE = `path;total_conversions;total_conversion_value;total_null
C1 > C2 > C3;1;100;0
C1;0;0;1
C2 > C3;0;0;1
`;

function run(args: string[], files: Record<string, string> = { 'paths.csv': FILE }) {
  let stdout = '';
  let stderr = '';
  const code = runAttributeCommand(args, {
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

describe('runAttributeCommand', () => {
  it('defaults to markov, as a text table', () => {
    const { code, stdout, stderr } = run(['paths.csv']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'model: markov',
        'channel  conversions   share   value  removal effect',
        'C2              0.40   40.0%   40.00          1.0000',
        'C3              0.40   40.0%   40.00          1.0000',
        'C1              0.20   20.0%   20.00          0.5000',
        '-------  -----------  ------  ------  --------------',
        'total           1.00  100.0%  100.00',
        'conversion probability: 0.3333',
        '',
      ].join('\n'),
    );
  });

  it('--model picks one model; --model=x works too', () => {
    expect(run(['paths.csv', '--model', 'first_touch']).stdout).toContain('model: first_touch\n');
    expect(run(['--model=last_touch', 'paths.csv']).stdout).toContain('C3              1.00  100.0%  100.00');
  });

  it('--all puts every model side by side', () => {
    const { code, stdout } = run(['paths.csv', '--all']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[1]).toBe(`channel  ${'first_touch  last_touch  last_non_direct  linear  time_decay  position_based  markov'}`);
    expect(stdout).toContain('conversions credited\n');
    expect(stdout).toContain('\nvalue credited\n');
  });

  it('--json prints the result object, or an array with --all', () => {
    const one = JSON.parse(run(['paths.csv', '--json']).stdout) as AttributionResult;
    expect(one.model).toBe('markov');
    expect(one.rows.map((r) => r.key)).toEqual(['C2', 'C3', 'C1']);
    const all = JSON.parse(run(['paths.csv', '--all', '--json']).stdout) as AttributionResult[];
    expect(all.map((r) => r.model)).toEqual([...MODEL_NAMES]);
  });

  it('--half-life-days reaches time_decay', () => {
    const file = { 'p.csv': 'path;total_conversions\nA > B;3' };
    // One day apart with a one-day half-life: weights 1/2 and 1.
    const json = JSON.parse(run(['p.csv', '--model', 'time_decay', '--half-life-days', '1', '--json'], file).stdout) as AttributionResult;
    expect(json.rows).toEqual([expect.objectContaining({ key: 'B', conversions: expect.closeTo(2, 12) }), expect.objectContaining({ key: 'A', conversions: expect.closeTo(1, 12) })]);
  });

  it('--help prints usage and succeeds', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: lazo attribute FILE/);
  });

  it.each([
    [[], /FILE is required/],
    [['a.csv', 'b.csv'], /one FILE expected, got 2/],
    [['paths.csv', '--model'], /--model needs one of first_touch/],
    [['paths.csv', '--model', 'shapley'], /--model needs one of .*; got "shapley"/],
    [['paths.csv', '--model', 'linear', '--all'], /exclude each other/],
    [['paths.csv', '--half-life-days', '0'], /--half-life-days needs a positive number/],
    [['paths.csv', '--verbose'], /unknown option --verbose/],
    [['paths.csv', '--json=yes'], /--json takes no value/],
  ])('exits 2 with usage for %j', (args, message) => {
    const { code, stdout, stderr } = run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: lazo attribute');
  });

  it('exits 1 when the file cannot be read', () => {
    const { code, stderr } = run(['missing.csv']);
    expect(code).toBe(1);
    expect(stderr).toBe("lazo attribute: cannot read missing.csv: ENOENT: no such file, open 'missing.csv'\n");
  });

  it('exits 1 with line numbers when the file is malformed', () => {
    const { code, stderr } = run(['bad.csv'], { 'bad.csv': 'path;total_conversions\na;1\nb;x\n' });
    expect(code).toBe(1);
    expect(stderr).toContain('bad.csv: malformed paths file:\nline 3: total_conversions must be a non-negative number, got "x"');
  });
});

describe('formatAttribution', () => {
  const result = attribute([{ touches: [{ channel: 'A' }, { channel: 'B' }], conversions: 2, value: 5 }], 'linear');

  it('prints a table with a total line', () => {
    expect(formatAttribution(result, { keyLabel: 'source' })).toBe(
      ['model: linear', 'source  conversions   share  value', 'A              1.00   50.0%   2.50', 'B              1.00   50.0%   2.50', '------  -----------  ------  -----', 'total          2.00  100.0%   5.00'].join('\n'),
    );
  });

  it('mentions conversions that could not be credited', () => {
    const withEmpty = attribute([{ touches: [], conversions: 1, value: 3 }], 'first_touch');
    expect(formatAttribution(withEmpty)).toContain('not credited (journeys without touches): 1.00 conversions, value 3.00');
  });

  it('prints JSON that round-trips', () => {
    expect(JSON.parse(formatAttribution(result, { json: true }))).toEqual(result);
    expect(JSON.parse(formatAttribution([result, result], { json: true }))).toEqual([result, result]);
  });
});
