import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('../../', import.meta.url));

/** `pnpm test` builds first; a bare `vitest run` of these files builds the dashboard when it is missing. */
export function ensureDashboardBuilt() {
  if (existsSync(`${appDir}dist/index.html`)) return;
  execFileSync('pnpm', ['run', 'build'], { cwd: appDir, stdio: 'inherit', env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' } });
}
