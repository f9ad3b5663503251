// The lab's own cluster while npm run lab builds it: what the status file says and how the editor words it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aboutDuration,
  describeLabCluster,
  labClusterStatusBarText,
  parseLabClusterStatus,
  secondsLeft,
} from '../../src/lab/labCluster';

const status = (patch: object) =>
  JSON.stringify({
    state: 'building',
    part: 'Kubernetes control plane',
    partStartedAt: '2026-11-28T10:00:00.000Z',
    partEstimateSeconds: 280,
    remainingSeconds: 400,
    startedAt: '2026-11-28T09:58:00.000Z',
    detail: '',
    log: '/repo/.cluster/logs/lab-cluster.log',
    ...patch,
  });

test('a building status names the part and the time left, counting what the current part has already spent', () => {
  const s = parseLabClusterStatus(status({}))!;
  const now = new Date('2026-11-28T10:01:40.000Z'); // 100 s into a 280 s part: 180 s of it left, plus 120 s after it
  assert.equal(secondsLeft(s, now), 300);
  assert.equal(
    describeLabCluster(s, now),
    "Building the lab's cluster: Kubernetes control plane (about 5 min left; the first build compiles Kubernetes and Istio, later starts take seconds)",
  );
  assert.equal(labClusterStatusBarText(s, now), '$(sync~spin) Lab cluster: Kubernetes control plane, about 5 min left');
});

test('a part that overruns its estimate never shows negative time', () => {
  const s = parseLabClusterStatus(status({ remainingSeconds: 280 }))!;
  assert.equal(secondsLeft(s, new Date('2026-11-28T11:00:00.000Z')), 0);
  assert.equal(aboutDuration(0), 'under a minute');
  assert.equal(aboutDuration(44), 'about 40 s');
});

test('failed and ready say what happened; a failure says where the log is and what to do', () => {
  const failed = parseLabClusterStatus(
    status({ state: 'failed', detail: 'building failed (exit 1): go: no space left on device' }),
  )!;
  assert.equal(
    describeLabCluster(failed, new Date()),
    "The lab's cluster could not be built: building failed (exit 1): go: no space left on device. See /repo/.cluster/logs/lab-cluster.log, fix it, and run npm run lab again.",
  );
  assert.equal(
    labClusterStatusBarText(parseLabClusterStatus(status({ state: 'ready' }))!, new Date()),
    '$(check) Lab cluster ready',
  );
});

test('a half-written or foreign file is no status', () => {
  assert.equal(parseLabClusterStatus('{"state": "buil'), undefined);
  assert.equal(parseLabClusterStatus('[]'), undefined);
  assert.equal(parseLabClusterStatus(status({ state: 'exploded' })), undefined);
  assert.equal(parseLabClusterStatus(status({ remainingSeconds: 'soon' }))!.remainingSeconds, 0);
});
