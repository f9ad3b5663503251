// Lint: typescript-eslint's type-aware rules, and the layers of README "How it is built" as import rules,
// so a pure module that reaches for VS Code or the cluster fails `npm test`, not a review.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_IO = ['node:child_process', 'node:net', 'node:http', 'node:https', 'node:fs', 'node:fs/promises', 'node:os'];
const CLUSTER_CLIENTS = ['@kubernetes/client-node', 'isomorphic-ws', 'ws'];

/** A restriction per importable name or path pattern, with the reason shown in the lint message. */
function restrict({ names = [], patterns = [] }, why) {
  return {
    paths: names.map((name) => ({ name, message: why })),
    patterns: patterns.map((group) => ({ group: [group], message: why })),
  };
}

function layer(files, ...restrictions) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: restrictions.flatMap((r) => r.paths),
          patterns: restrictions.flatMap((r) => r.patterns),
        },
      ],
    },
  };
}

const pure = (what) =>
  restrict(
    {
      names: ['vscode', ...NODE_IO, ...CLUSTER_CLIENTS],
      patterns: ['**/kube/**', '**/tools/**', '**/editor/**', '**/lab/**', '**/cli/**'],
    },
    `${what} is pure: no VS Code, cluster, process or file I/O (README "How it is built")`,
  );

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      '.cluster/**',
      'test-results/**',
      '.code-server/**',
      '.vscode-test/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      sourceType: 'module',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `let [a, rest] = f()` then `[b, rest] = g(rest)`: a destructuring whose parts are partly reassigned stays let.
      'prefer-const': ['error', { destructuring: 'all' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(['src/istio/**'], pure('src/istio')),
  layer(
    ['src/envoy/**'],
    pure('src/envoy'),
    restrict({ patterns: ['**/istio/**'] }, 'src/envoy reads Envoy, not Istio objects'),
  ),
  layer(
    ['src/lab/**'],
    restrict(
      { names: ['vscode', ...NODE_IO, ...CLUSTER_CLIENTS], patterns: ['**/editor/**', '**/tools/**', '**/cli/**'] },
      "src/lab is the tutorial's pure logic",
    ),
  ),
  layer(
    ['src/editor/**', 'src/tools/**', 'src/cli/**', 'src/*.ts'],
    restrict({ names: CLUSTER_CLIENTS }, 'only src/kube talks to the cluster'),
  ),
  {
    // Workspace trust is checked at two doors in LabContext (getCluster, tool); nothing else in the editor
    // may open a cluster client or locate a binary around them.
    files: ['src/editor/**', 'src/extension.ts'],
    ignores: ['src/editor/ctx.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: CLUSTER_CLIENTS.map((name) => ({ name, message: 'only src/kube talks to the cluster' })),
          patterns: [
            {
              group: ['**/kube/index', '**/kube/cluster'],
              importNames: ['createCluster'],
              message: 'open the cluster through ctx.getCluster(), the trust door',
            },
            {
              group: ['**/tools/locate'],
              importNames: ['locateTool'],
              message: 'locate binaries through ctx.tool(), the trust door',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON (CLI output, Envoy dumps) and assert on its shape; typing every parse would say nothing more.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Scripts for the page run inside Chromium (Playwright's page.evaluate).
    files: ['test/ui/**', 'bench/*.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    // mocha loads its reporters with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
