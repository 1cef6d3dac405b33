import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `lazo-source` condition, so tests run
// against src/ without a build; Node itself resolves the built dist/ files.
export default defineConfig({
  resolve: { conditions: ['lazo-source', 'import', 'default'] },
  ssr: { resolve: { conditions: ['lazo-source', 'import', 'default'], externalConditions: ['lazo-source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
