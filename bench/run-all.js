// pnpm bench — runs every benchmark of this folder that exists, one after the other (they would skew
// each other's figures if run at once), and fails if one fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['ingest.js', 'reports.js', 'tracker.js'];
let failed = 0;
for (const name of BENCHMARKS) {
  const file = fileURLToPath(new URL(name, import.meta.url));
  if (!existsSync(file)) {
    console.log(`\n=== bench/${name}: not present, skipped`);
    continue;
  }
  console.log(`\n=== bench/${name}`);
  const { status } = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (status !== 0) {
    failed++;
    console.log(`=== bench/${name} failed (exit ${status})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
