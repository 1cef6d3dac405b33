import { formatAttribution } from './format.js';
import { MODEL_NAMES, isModelName, type AttributionResult, type ModelName } from './journey.js';
import { attribute } from './models.js';
import { PathsFileError, parsePathsFile } from './paths-file.js';

/** What the command needs from its host, so that it stays pure and testable. */
export interface AttributeCommandIo {
  /** Returns the file's text (UTF-8); may throw, e.g. when the file does not exist. */
  readFile(path: string): string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const ATTRIBUTE_USAGE = `Usage: lazo attribute FILE [--model MODEL | --all] [--json] [--half-life-days N]

Credits the conversions of a paths file to its channels.
FILE has a header path;total_conversions;total_conversion_value;total_null (';', ',' or tab separated)
and one path per line, channels written "a > b > c".

  --model MODEL        ${MODEL_NAMES.join(', ')} (default: markov)
  --all                every model, side by side
  --json               JSON on stdout: one result object, or an array with --all
  --half-life-days N   time_decay half-life in days (default 7); paths carry no times, so
                       touches count as one day apart, the last on the day of conversion
  -h, --help           this text`;

const DAY_MS = 24 * 60 * 60 * 1000;

interface ParsedArgs {
  file: string;
  models: ModelName[];
  json: boolean;
  halfLifeDays?: number;
}

/**
 * `lazo attribute …`: `args` are the arguments after the subcommand. Returns the exit code: 0 done,
 * 1 the file could not be read or parsed, 2 bad usage. Output goes through `io`, never to the console.
 */
export function runAttributeCommand(args: readonly string[], io: AttributeCommandIo): number {
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout(`${ATTRIBUTE_USAGE}\n`);
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.stderr(`lazo attribute: ${parsed}\n\n${ATTRIBUTE_USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = io.readFile(parsed.file);
  } catch (error) {
    io.stderr(`lazo attribute: cannot read ${parsed.file}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const journeys = parsePathsFile(text);
    const options = parsed.halfLifeDays === undefined ? {} : { halfLifeMs: parsed.halfLifeDays * DAY_MS };
    const results: AttributionResult[] = parsed.models.map((model) => attribute(journeys, model, options));
    io.stdout(`${formatAttribution(results.length === 1 ? results[0]! : results, { json: parsed.json })}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof PathsFileError)) throw error;
    io.stderr(`lazo attribute: ${parsed.file}: ${error.message}\n`);
    return 1;
  }
}

function parseArgs(args: readonly string[]): ParsedArgs | string {
  const files: string[] = [];
  let model: ModelName | undefined;
  let all = false;
  let json = false;
  let halfLifeDays: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // Accept both `--flag value` and `--flag=value`.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const takesValue = flag === '--model' || flag === '--half-life-days';
    if (eq > 0 && !takesValue) return `${flag} takes no value`;
    let value: string | undefined;
    if (takesValue) value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (flag === '--all') all = true;
    else if (flag === '--json') json = true;
    else if (flag === '--model') {
      const name = value;
      if (!isModelName(name)) return `--model needs one of ${MODEL_NAMES.join(', ')}; got ${name === undefined ? 'nothing' : JSON.stringify(name)}`;
      model = name;
    } else if (flag === '--half-life-days') {
      const raw = value;
      const days = Number(raw);
      if (raw === undefined || raw.trim() === '' || !(Number.isFinite(days) && days > 0)) return `--half-life-days needs a positive number; got ${JSON.stringify(raw ?? '')}`;
      halfLifeDays = days;
    } else if (arg.startsWith('-') && arg !== '-') return `unknown option ${arg}`;
    else files.push(arg);
  }
  if (files.length !== 1) return files.length === 0 ? 'FILE is required' : `one FILE expected, got ${files.length}: ${files.join(' ')}`;
  if (all && model) return '--model and --all exclude each other';
  return { file: files[0]!, models: all ? [...MODEL_NAMES] : [model ?? 'markov'], json, ...(halfLifeDays === undefined ? {} : { halfLifeDays }) };
}
