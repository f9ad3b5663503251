// For UI tests that run against the lab's cluster: the sample deployed (as Deploy Sample does) and routed by
// the gateway's Envoy, so a test does not depend on another suite having deployed it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCluster, parseManifests } from '../../src/kube/index.ts';
import { sleep } from '../vscode/codeServer.mjs';

export const SAMPLE_HOST = 'simple.baihl.io';

/** Applies the workspace's sample files, waits for its Deployments and for the gateway to route its host. */
export async function deploySampleOnCluster(kubeconfig, workspace) {
  const cluster = createCluster({ kubeconfigPath: kubeconfig });
  try {
    const files = ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'];
    await cluster.serverSideApply(files.flatMap((f) => parseManifests(readFileSync(join(workspace, f), 'utf8'), f)));
    await cluster.waitForDeploymentsAvailable('simple', ['simple', 'nginx-deployment'], { timeoutMs: 60_000 });
    const { readyPod } = await cluster.istioStatus();
    if (!readyPod) throw new Error('no Ready ingress gateway pod on the cluster');
    const admin = cluster.envoyAdmin(readyPod);
    for (const deadline = Date.now() + 60_000; ; await sleep(1000)) {
      admin.refresh();
      if (JSON.stringify(await admin.getConfigDump()).includes(`"${SAMPLE_HOST}:80"`)) break;
      if (Date.now() > deadline)
        throw new Error(
          `the gateway's Envoy has no virtual host ${SAMPLE_HOST}:80 a minute after the sample was applied`,
        );
    }
  } finally {
    cluster.dispose();
  }
}
