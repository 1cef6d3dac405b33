import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('../../', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/** `pnpm test` builds first; a bare `vitest run` of these files builds the dashboard when it is missing or older than its sources. */
export function ensureDashboardBuilt() {
  let built = 0;
  try {
    built = statSync(`${appDir}dist/index.html`).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > newestSource(`${appDir}src`)) return;
  execFileSync('pnpm', ['run', 'build'], { cwd: appDir, stdio: 'inherit', env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' } });
}
