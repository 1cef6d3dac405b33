import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * Rollup plugin: prints raw, gzip and brotli sizes of the emitted chunks and fails the build when a
 * chunk listed in `budgets` is over its brotli budget.
 * @param {Record<string, number>} budgets file name → max brotli bytes
 */
export function sizeBudget(budgets = {}) {
  return {
    name: 'lazo-size-budget',
    generateBundle(_options, bundle) {
      for (const [file, chunk] of Object.entries(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const code = Buffer.from(chunk.code);
        const gzip = gzipSync(code, { level: 9 }).length;
        const brotli = brotliCompressSync(code, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length },
        }).length;
        const budget = budgets[file];
        const verdict = budget === undefined ? '' : brotli <= budget ? ` (budget ${budget}: ok)` : ` (budget ${budget}: OVER)`;
        console.log(`${file}: ${code.length} B raw, ${gzip} B gzip, ${brotli} B brotli${verdict}`);
        if (budget !== undefined && brotli > budget) {
          this.error(`${file} is ${brotli} B brotli, over its budget of ${budget} B`);
        }
      }
    },
  };
}
