// The one table of caches and what makes each stale (src/lab/invalidation.ts): a change clears exactly the
// caches that depend on it, and each clear is counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CACHE_DEPENDENCIES, Invalidation, type CacheName, type Change } from '../../src/lab/invalidation';

function hub() {
  const inv = new Invalidation();
  const cleared: CacheName[] = [];
  for (const name of Object.keys(CACHE_DEPENDENCIES) as CacheName[]) inv.register(name, () => cleared.push(name));
  return { inv, cleared };
}

const expected: Record<Change, CacheName[]> = {
  documents: ['engine.predictions'],
  namespace: ['engine.predictions'],
  cluster: [
    'live.gateways',
    'diagnostics.clusterObjects',
    'drift.dryRuns',
    'status.gatewayApi',
    'ingress.address',
    'cluster.client',
    'requests.tail',
  ],
  gateway: ['live.gateways', 'ingress.address', 'requests.tail'],
  live: ['live.gateways', 'diagnostics.clusterObjects', 'drift.dryRuns', 'status.gatewayApi', 'cluster.discovery'],
  ingress: ['ingress.address'],
};

for (const [change, caches] of Object.entries(expected) as [Change, CacheName[]][]) {
  test(`a ${change} change clears ${caches.join(', ')}`, () => {
    const { inv, cleared } = hub();
    assert.deepEqual(inv.changed(change), caches);
    assert.deepEqual(cleared, caches);
  });
}

test('each clear is counted; a cache nobody registered is not called', () => {
  const inv = new Invalidation();
  let clears = 0;
  inv.register('live.gateways', () => clears++);
  inv.changed('live');
  inv.changed('gateway');
  inv.changed('ingress');
  assert.equal(clears, 2);
  assert.equal(inv.counts.get('live.gateways'), 2);
  assert.equal(inv.counts.get('drift.dryRuns'), undefined);
});
