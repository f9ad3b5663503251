#!/usr/bin/env node
// The ConfigMap istio-system/istio-sidecar-injector exactly as Istio's default profile installs it,
// rendered by the real istioctl (`istioctl manifest generate --set profile=default`, from the charts
// built into the pinned istioctl; offline, 0.4 s). istiod reads its `kube-gateway` template to deploy
// the `<gw>-istio` Deployment, Service and ServiceAccount for a Gateway API Gateway of class istio
// (its gateway deployment controller), as on a real cluster. No MutatingWebhookConfiguration comes
// with it: the API server must never dial out here, and the deployment controller needs none.
//
//   node test/harness/injector-config.mjs ISTIOCTL > injector.yaml
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const INJECTOR_CONFIGMAP = 'istio-sidecar-injector';

/** The injector ConfigMap's YAML from the default profile's manifest that `istioctl` renders. */
export function injectorConfigMap(istioctl) {
  const manifest = execFileSync(istioctl, ['manifest', 'generate', '--set', 'profile=default'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  for (const doc of parseAllDocuments(manifest)) {
    const o = doc.toJS();
    if (o?.kind === 'ConfigMap' && o.metadata?.name === INJECTOR_CONFIGMAP) return stringify(o, { lineWidth: 0 });
  }
  throw new Error(`istioctl manifest generate gave no ConfigMap ${INJECTOR_CONFIGMAP}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (!process.argv[2]) throw new Error('usage: node test/harness/injector-config.mjs ISTIOCTL');
    process.stdout.write(injectorConfigMap(process.argv[2]));
  } catch (e) {
    console.error(`injector-config: ${e.message.split('\n')[0]}`);
    process.exit(1);
  }
}
