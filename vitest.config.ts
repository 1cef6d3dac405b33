import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `lazo-source` condition, so tests run
// against src/ without a build; Node itself resolves the built dist/ files.
// The rest are Vite's default server conditions, which a custom list would otherwise replace.
const conditions = ['lazo-source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
