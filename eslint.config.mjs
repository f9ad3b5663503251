// Lint: typescript-eslint's type-aware rules, and the layers of README "How it is built" as import rules,
// so a pure module that reaches for VS Code or the cluster fails `npm test`, not a review.
import js from '@eslint/js';
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
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
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
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
);
