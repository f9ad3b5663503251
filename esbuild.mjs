// One esbuild run for everything that ships or runs outside node:test:
// the extension and the CLI (CJS, since VS Code loads `main` with require and
// @kubernetes/client-node is ESM-only), and the extension-host test suite.
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';

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

/**
 * The extension loads @kubernetes/client-node (and what it pulls in: ws, node-fetch, socks, openid-client,
 * about half the bundle) only when it first talks to a cluster: VS Code compiles the whole main file before
 * activate() runs, and the lenses of a YAML file need no cluster. The extension's bundle gets a stand-in
 * whose exports load dist/client-node.cjs on first use; that bundle holds the classes src/kube uses.
 */
const CLIENT_NODE_EXPORTS = ['ApiException', 'KubeConfig', 'PortForward'];
// A class src/kube imports from client-node but the stand-in does not export would be undefined at run time.
for (const f of readdirSync('src/kube').filter((f) => f.endsWith('.ts'))) {
  for (const m of readFileSync(`src/kube/${f}`, 'utf8').matchAll(
    /^import \{([^}]*)\} from '@kubernetes\/client-node'/gm,
  )) {
    const values = m[1]
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n && !n.startsWith('type '));
    const missing = values.filter((n) => !CLIENT_NODE_EXPORTS.includes(n));
    if (missing.length)
      throw new Error(`esbuild.mjs: add ${missing.join(', ')} (src/kube/${f}) to CLIENT_NODE_EXPORTS`);
  }
}
const lazyClientNode = {
  name: 'lazy-client-node',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: 'client-node', namespace: 'lazy' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      loader: 'js',
      contents: [
        'let loaded;',
        "const load = () => (loaded ??= require('./client-node.cjs'));",
        ...CLIENT_NODE_EXPORTS.map(
          (n) => `Object.defineProperty(exports, '${n}', { enumerable: true, get: () => load().${n} });`,
        ),
      ].join('\n'),
    }));
  },
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.cjs',
    plugins: [lazyClientNode],
    external: [...common.external, './client-node.cjs'],
  },
  {
    ...common,
    stdin: {
      contents: `export { ${CLIENT_NODE_EXPORTS.join(', ')} } from '@kubernetes/client-node';`,
      resolveDir: '.',
      loader: 'js',
    },
    outfile: 'dist/client-node.cjs',
  },
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
