#!/usr/bin/env node
import { runCli } from './cli/run.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).catch((e: unknown) => {
  process.stderr.write(`lazo: ${(e as Error).stack ?? String(e)}\n`);
  return 1;
});
process.exitCode = code;
// Everything is closed by now; should a stray handle keep the loop alive, do not hang the shell.
setTimeout(() => process.exit(code), 1_000).unref();
