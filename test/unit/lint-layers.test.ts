// The layers of README "How it is built" are lint rules: a pure module that imports VS Code, the cluster
// client or an I/O layer fails `npm test`. Each case lints a changed copy of a real module in its place.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restrictedImports(file: string, extraImport: string): Promise<string[]> {
  const text = `${extraImport}\n${readFileSync(file, 'utf8')}`;
  const [result] = await eslint.lintText(text, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const CASES: [file: string, line: string, layer: RegExp][] = [
  ['src/istio/hosts.ts', "import * as vscode from 'vscode';", /src\/istio is pure/],
  ['src/istio/hosts.ts', "import { Cluster } from '../kube/cluster';", /src\/istio is pure/],
  ['src/istio/hosts.ts', "import { spawn } from 'node:child_process';", /src\/istio is pure/],
  ['src/envoy/tables.ts', "import { readFileSync } from 'node:fs';", /src\/envoy is pure/],
  ['src/envoy/tables.ts', "import { predict } from '../istio/predict';", /src\/envoy reads Envoy/],
  ['src/lab/lensText.ts', "import * as vscode from 'vscode';", /src\/lab is the tutorial's pure logic/],
  [
    'src/editor/show.ts',
    "import { KubeConfig } from '@kubernetes/client-node';",
    /only src\/kube talks to the cluster/,
  ],
  ['src/tools/run.ts', "import WebSocket from 'ws';", /only src\/kube talks to the cluster/],
];

for (const [file, line, layer] of CASES) {
  test(`${file}: "${line}" is refused`, async () => {
    const messages = await restrictedImports(file, line);
    assert.ok(
      messages.some((m) => layer.test(m)),
      `expected ${layer} from no-restricted-imports, got ${JSON.stringify(messages)}`,
    );
  });
}

test('the modules as they are import within their layers', async () => {
  for (const file of new Set(CASES.map(([f]) => f))) assert.deepEqual(await restrictedImports(file, ''), [], file);
});

test('the editor opens the cluster and locates binaries only through the trust doors of LabContext', async () => {
  const cluster = await restrictedImports('src/editor/show.ts', "import { createCluster } from '../kube/index';");
  assert.ok(
    cluster.some((m) => /ctx\.getCluster\(\), the trust door/.test(m)),
    JSON.stringify(cluster),
  );
  const tool = await restrictedImports(
    'src/editor/commands/deploy.ts',
    "import { locateTool } from '../../tools/locate';",
  );
  assert.ok(
    tool.some((m) => /ctx\.tool\(\), the trust door/.test(m)),
    JSON.stringify(tool),
  );
  assert.deepEqual(await restrictedImports('src/editor/ctx.ts', ''), []);
});
