// The extension suites through @vscode/test-cli on a desktop with internet (it downloads VS Code):
//   node esbuild.mjs && npx vscode-test
// Here and in CI the same compiled suites run in code-server instead: npm run test:extension.
// Suites use mocha's tdd globals and run against a scratch copy of samples/workspace, so scaffolding
// tests never write into the repo.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const workspaceFolder = join(mkdtempSync(join(tmpdir(), 'ilab-desktop-test-')), 'workspace');
cpSync('samples/workspace', workspaceFolder, { recursive: true });

export default defineConfig({
  label: 'extension',
  files: 'out/test/extension/*.test.cjs',
  workspaceFolder,
  mocha: { ui: 'tdd', timeout: 60_000, color: true },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
});
