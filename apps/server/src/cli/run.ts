import { readFileSync } from 'node:fs';
import { ATTRIBUTE_USAGE, runAttributeCommand } from '@lazo/attribution';
import { CliFailure, UsageError, type CliIo } from './io.js';
import { MIGRATE_USAGE, SERVE_USAGE, SITE_USAGE, USAGE } from './usage.js';

export type { CliIo } from './io.js';
export { USAGE } from './usage.js';

const USAGES: Record<string, string> = { serve: SERVE_USAGE, migrate: MIGRATE_USAGE, site: SITE_USAGE, attribute: ATTRIBUTE_USAGE };

/** `lazo ARGS…`: resolves to the exit code. `serve` resolves once the server has stopped. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) {
    io.stderr(USAGE + '\n');
    return 2;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    const topic = args[0] && USAGES[args[0]];
    io.stdout((topic || USAGE) + '\n');
    return 0;
  }
  if (command === 'attribute') {
    return runAttributeCommand(args, { readFile: (path) => readFileSync(path, 'utf8'), stdout: io.stdout, stderr: io.stderr });
  }
  const usage = USAGES[command];
  if (!usage) {
    io.stderr(`lazo: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(usage + '\n');
    return 0;
  }
  const label = command === 'site' && args[0] && !args[0].startsWith('-') ? `site ${args[0]}` : command;
  try {
    // Loaded on demand: `lazo site list` need not load the HTTP server.
    if (command === 'serve') return await (await import('./serve.js')).runServe(args, io);
    if (command === 'migrate') return await (await import('./serve.js')).runMigrate(args, io);
    return await (await import('./site.js')).runSiteCommand(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`lazo ${label}: ${e.message}\n\n${usage}\n`);
      return 2;
    }
    if (e instanceof CliFailure) {
      io.stderr(`lazo ${label}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
