// One esbuild run for everything that ships or runs outside node:test:
// the extension and the CLI (CJS, since VS Code loads `main` with require and
// @kubernetes/client-node is ESM-only), and the extension-host test suite.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // vscode is provided by the host; the ws optional natives are never required at run time.
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
};

const extensionTests = (() => {
  try {
    return readdirSync('test/extension')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `test/extension/${f}`);
  } catch {
    return [];
  }
})();

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.cjs' },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.cjs', banner: { js: '#!/usr/bin/env node' } },
];
if (!production && extensionTests.length) {
  // mocha stays external: the test index loads it from node_modules (bundling it trips require.resolve warnings).
  builds.push({
    ...common,
    entryPoints: extensionTests,
    outdir: 'out/test/extension',
    outExtension: { '.js': '.cjs' },
    external: [...common.external, 'mocha'],
  });
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
