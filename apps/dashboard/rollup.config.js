import { readFileSync, rmSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

/** Where the server mounts the built files (apps/server/src/routes/dashboard.ts). */
const BASE = '/dashboard/';

/** JS + CSS, brotli-compressed: what a first visit downloads. The build fails above it. */
const BUDGET_BROTLI = 24_000;

/** Comments out, whitespace collapsed: the stylesheet is hand-written, so this is all it needs. */
const minifyCss = (css) =>
  css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/;}/g, '}')
    .trim();

/**
 * Emits the stylesheet with a content hash beside the script's, and index.html pointing at both:
 * hashed names can be cached forever, index.html is the one file served with no-cache.
 */
function dashboardPage() {
  let cssRef;
  return {
    name: 'lazo-dashboard-page',
    buildStart() {
      rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
      this.addWatchFile('src/styles.css');
      this.addWatchFile('src/index.html');
      cssRef = this.emitFile({ type: 'asset', name: 'app.css', source: minifyCss(readFileSync('src/styles.css', 'utf8')) });
    },
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((f) => f.type === 'chunk' && f.isEntry);
      const css = this.getFileName(cssRef);
      const html = readFileSync('src/index.html', 'utf8').replace('%CSS%', BASE + css).replace('%JS%', BASE + entry.fileName);
      this.emitFile({ type: 'asset', fileName: 'index.html', source: html });

      let total = 0;
      for (const file of [entry.fileName, css]) {
        const item = bundle[file];
        const bytes = Buffer.from(item.type === 'chunk' ? item.code : item.source);
        const brotli = brotliCompressSync(bytes).length;
        total += brotli;
        console.log(`${file}: ${bytes.length} B raw, ${gzipSync(bytes, { level: 9 }).length} B gzip, ${brotli} B brotli`);
      }
      console.log(`dashboard: ${total} B brotli (budget ${BUDGET_BROTLI})`);
      if (total > BUDGET_BROTLI) this.error(`the dashboard is ${total} B brotli, over its budget of ${BUDGET_BROTLI} B`);
    },
  };
}

export default {
  input: 'src/main.ts',
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: 'assets/app-[hash].js',
    chunkFileNames: 'assets/[name]-[hash].js',
    assetFileNames: 'assets/[name]-[hash][extname]',
    sourcemap: true,
  },
  plugins: [
    typescript({ tsconfig: './tsconfig.bundle.json', noEmitOnError: true }),
    terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: false } }),
    dashboardPage(),
  ],
};
