// The drift state machine: every state, from the inputs the editor glue gathers (dry-run comparison,
// prediction, live route), and the reasons taken from the real prediction of a VirtualService whose host
// the Gateway lacks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { predict } from '../../src/istio/predict';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import {
  appliedForHttp,
  compareLiveRoute,
  computeDrift,
  DEFAULT_GRACE_MS,
  editorVirtualService,
  lastAppliedAt,
  type DriftInput,
} from '../../src/lab/drift';
import { parseManifests } from '../../src/kube/index';

const now = Date.parse('2026-11-25T18:00:00Z');
const base: DriftInput = {
  applied: { kind: 'same', appliedAt: now - 5 * 60_000 },
  predicted: { onGateway: true },
  live: { kind: 'found' },
  now,
};

test('in sync: dry run changes nothing, the prediction expects the route and the gateway has it', () => {
  const d = computeDrift(base);
  assert.equal(d.state, 'in-sync');
  assert.equal(d.title, 'drift: in sync');
});

test('edited, not applied: the dry run would change fields; the title names their paths, the detail the values', () => {
  const d = computeDrift({
    ...base,
    applied: { kind: 'changed', fields: ['spec.http[1].match[0].uri.prefix: "/simple/nginx" → "/simple/web"'] },
  });
  assert.equal(d.state, 'edited-not-applied');
  assert.equal(d.title, 'drift: edited, not applied (spec.http[1].match[0].uri.prefix)');
  assert.match(d.detail, /"\/simple\/nginx" → "\/simple\/web"/);
  // whatever the gateway holds: the editor is ahead of the cluster
  assert.equal(
    computeDrift({ ...base, applied: { kind: 'changed', fields: ['a: 1 → 2'] }, live: { kind: 'missing' } }).state,
    'edited-not-applied',
  );
});

test('edited, not applied: many changed fields are summarised', () => {
  const d = computeDrift({
    ...base,
    applied: { kind: 'changed', fields: ['a.b: 1 → 2', 'c: 1 → 2', 'd: 1 → 2', 'e: x → y'] },
  });
  assert.equal(d.title, 'drift: edited, not applied (a.b, c +2 more)');
});

test('not applied: the cluster has no such object', () => {
  const d = computeDrift({ ...base, applied: { kind: 'absent' } });
  assert.equal(d.state, 'not-applied');
  assert.equal(d.title, 'drift: not applied');
});

test('applied, not yet on the gateway: applied within the grace period and the route is not there yet', () => {
  const d = computeDrift({ ...base, applied: { kind: 'same', appliedAt: now - 3000 }, live: { kind: 'missing' } });
  assert.equal(d.state, 'applied-pending');
  assert.equal(d.title, 'drift: applied, not yet on the gateway');
  assert.match(d.detail, /Applied 3 s ago.*refresh/s);
  // the gateway still holds the previous version of the route
  const older = computeDrift({ ...base, applied: { kind: 'same', appliedAt: now - 3000 }, live: { kind: 'differs' } });
  assert.equal(older.state, 'applied-pending');
  assert.match(older.detail, /previous version/);
});

test('applied but not on the gateway: past the grace period, rejected or shadowed', () => {
  const late = { kind: 'same' as const, appliedAt: now - DEFAULT_GRACE_MS - 1 };
  const rejected = computeDrift({ ...base, applied: late, live: { kind: 'missing' } });
  assert.equal(rejected.state, 'applied-not-on-gateway');
  assert.match(rejected.title, /^drift: applied but not on the gateway \(rejected or not pushed/);
  const shadowed = computeDrift({ ...base, applied: late, live: { kind: 'missing', virtualServiceSeen: true } });
  assert.match(shadowed.title, /\(shadowed: /);
  const stale = computeDrift({ ...base, applied: late, live: { kind: 'differs' } });
  assert.match(stale.reason!, /kept the previous route/);
  // without a known apply time there is no "not yet"
  assert.equal(
    computeDrift({ ...base, applied: { kind: 'same' }, live: { kind: 'missing' } }).state,
    'applied-not-on-gateway',
  );
});

test("applied but not on the gateway: the prediction's reason when the Gateway lacks the host", () => {
  const specs = readFileSync(new URL('../../samples/workspace/istio-specs.yaml', import.meta.url), 'utf8').replace(
    '- simple.baihl.io\n  http:',
    '- other.baihl.io\n  http:',
  );
  assert.match(specs, /other\.baihl\.io/);
  const p = predict(mergeResourceSets(readResources(specs, 'istio-specs.yaml').resources));
  assert.equal(p.routes.length, 0);
  const reason = p.notOnGateway[0]!.reason;
  const d = computeDrift({ ...base, predicted: { onGateway: false, reason }, live: { kind: 'missing' } });
  assert.equal(d.state, 'applied-not-on-gateway');
  assert.equal(d.title, `drift: applied but not on the gateway (${reason})`);
  assert.match(
    d.title,
    /no server of Gateway simple\/simple accepts other\.baihl\.io \(servers take simple\.baihl\.io\)/,
  );
});

test('unknown: no cluster, or the gateway could not be read', () => {
  assert.equal(computeDrift({ ...base, applied: { kind: 'unknown', reason: 'untrusted workspace' } }).state, 'unknown');
  const d = computeDrift({ ...base, live: { kind: 'unknown', reason: 'port-forward failed' } });
  assert.equal(d.state, 'unknown');
  assert.match(d.detail, /port-forward failed/);
});

test('lastAppliedAt: newest managedFields time, else the creation time', () => {
  assert.equal(
    lastAppliedAt({
      metadata: {
        managedFields: [{ time: '2026-11-25T17:00:00Z' }, { time: '2026-11-25T17:59:00Z' }],
        creationTimestamp: '2026-11-25T16:00:00Z',
      },
    }),
    Date.parse('2026-11-25T17:59:00Z'),
  );
  assert.equal(
    lastAppliedAt({ metadata: { creationTimestamp: '2026-11-25T16:00:00Z' } }),
    Date.parse('2026-11-25T16:00:00Z'),
  );
  assert.equal(lastAppliedAt(undefined), undefined);
});

test('compareLiveRoute: same match and action is found, another rewrite or cluster differs, none is missing', () => {
  const specs = readFileSync(new URL('../../samples/workspace/istio-specs.yaml', import.meta.url), 'utf8');
  const predicted = predict(mergeResourceSets(readResources(specs, 'istio-specs.yaml').resources)).routes[0]!.route;
  // Istio adds fields the comparison ignores
  const live = {
    ...structuredClone(predicted),
    metadata: {
      filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/simple/virtual-service/simple' } },
    },
    decorator: { operation: 'x' },
  };
  assert.deepEqual(compareLiveRoute(predicted, live, true), { kind: 'found' });
  const rewritten = structuredClone(live);
  rewritten.route!.prefixRewrite = '/other';
  assert.deepEqual(compareLiveRoute(predicted, rewritten, true), { kind: 'differs' });
  assert.deepEqual(compareLiveRoute(predicted, undefined, true), { kind: 'missing', virtualServiceSeen: true });
});

test('appliedForHttp: an edit inside another http entry leaves this match applied', () => {
  const changed = {
    kind: 'changed' as const,
    fields: ['spec.http[1].match[0].uri.prefix: "/simple/nginx" → "/simple/web"'],
    appliedAt: now - 60_000,
  };
  assert.deepEqual(appliedForHttp(changed, 1), changed);
  assert.deepEqual(appliedForHttp(changed, 0), { kind: 'same', appliedAt: now - 60_000 });
  const hosts = {
    kind: 'changed' as const,
    fields: ['spec.hosts[0]: "a" → "b"', 'spec.http[1].rewrite.uri: "/" → "/x"'],
  };
  assert.deepEqual(appliedForHttp(hosts, 0), { kind: 'changed', fields: ['spec.hosts[0]: "a" → "b"'] });
  assert.deepEqual(appliedForHttp(hosts, undefined), hosts);
  assert.equal(computeDrift({ ...base, applied: appliedForHttp(changed, 0) }).state, 'in-sync');
});

test('a VirtualService that names no namespace is found for its drift lens in the sample namespace it was read into', () => {
  const text = [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    '  name: simple',
    'spec:',
    '  hosts: [simple.baihl.io]',
    '  gateways: [simple]',
    '  http:',
    '  - route:',
    '    - destination: {host: simple}',
  ].join('\n');
  const objects = parseManifests(text, 'vs.yaml');
  // The lens's VirtualService came from the engine, which reads namespace-less objects into the sample namespace.
  const found = editorVirtualService(objects, { name: 'simple', namespace: 'simple' }, 'simple');
  assert.equal(found?.metadata?.name, 'simple');
  assert.equal(editorVirtualService(objects, { name: 'simple', namespace: 'default' }, 'simple'), undefined);
  const placed = parseManifests(text.replace('  name: simple', '  name: simple\n  namespace: other'), 'vs.yaml');
  assert.equal(editorVirtualService(placed, { name: 'simple', namespace: 'simple' }, 'simple'), undefined);
  assert.equal(
    editorVirtualService(placed, { name: 'simple', namespace: 'other' }, 'simple')?.metadata?.namespace,
    'other',
  );
});
