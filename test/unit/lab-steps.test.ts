// The walkthrough in package.json and the steps the extension checks off must agree.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { STEPS, stepContextKey, WALKTHROUGH_ID } from '../../src/lab/steps';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

test("seven steps, in the article's order, each completed only by its context key and with a button for its command", () => {
  const w = pkg.contributes.walkthroughs.find((x: { id: string }) => x.id === WALKTHROUGH_ID);
  assert.ok(w);
  const steps = w.steps.filter((s: { id: string }) => s.id !== 'labClusterBuilding');
  assert.deepEqual(
    steps.map((s: { id: string }) => s.id),
    STEPS.map((s) => s.id),
  );
  for (const [i, s] of STEPS.entries()) {
    const step = steps[i];
    assert.deepEqual(step.completionEvents, [`onContext:${stepContextKey(s.context)}`]);
    assert.ok(step.description.includes(`(command:istioIngressLab.${s.command})`), s.id);
    const media = step.media.markdown ?? step.media.svg;
    assert.ok(existsSync(new URL(media, root)), media);
  }
});

test("while npm run lab builds the lab's own cluster, the first step says so, and is checked off by the same key", () => {
  const w = pkg.contributes.walkthroughs.find((x: { id: string }) => x.id === WALKTHROUGH_ID);
  const [check, building] = w.steps;
  assert.equal(building.id, 'labClusterBuilding');
  assert.equal(building.when, 'istioIngressLab.labCluster.building');
  assert.equal(check.when, '!istioIngressLab.labCluster.building');
  assert.deepEqual(building.completionEvents, check.completionEvents);
  assert.match(building.description, /which part is being built and about how long is left/);
  assert.ok(
    pkg.contributes.commands.some((c: { command: string }) => building.description.includes(`(command:${c.command})`)),
  );
});

test('SVGs follow the theme: colours from VS Code variables, none hard-coded', () => {
  const w = pkg.contributes.walkthroughs[0];
  for (const s of w.steps.filter((x: { media: { svg?: string } }) => x.media.svg)) {
    const svg = readFileSync(new URL(s.media.svg, root), 'utf8');
    assert.match(svg, /var\(--vscode-foreground/);
    assert.doesNotMatch(svg, /#[0-9a-fA-F]{3,6}\b/);
  }
});

test('activation is lazy and the binary paths are restricted in untrusted workspaces', () => {
  assert.ok(!pkg.activationEvents.includes('*'));
  assert.ok(pkg.activationEvents.includes('onLanguage:yaml'));
  const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const k of ['istioctlPath', 'curlPath', 'kubectlPath'])
    assert.ok(restricted.includes(`istioIngressLab.tools.${k}`));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
});

test('every command has the category and every setting the extension reads is contributed', () => {
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'Istio Ingress Lab', c.command);
  const settings = readFileSync(new URL('src/editor/settings.ts', root), 'utf8');
  const read = [...settings.matchAll(/(?:s\(|c\.get<\w+>\()'([\w.]+)'/g)].map((m) => `istioIngressLab.${m[1]}`);
  assert.ok(read.length >= 10);
  for (const key of read) assert.ok(pkg.contributes.configuration.properties[key], key);
});
