// Reading the sample files into objects to apply: every YAML document with a kind, the namespace filled
// in where a namespaced object has none (what `kubectl apply -n <ns>` does).
import { parseAllDocuments } from 'yaml';
import { deployedName, type K8sGatewaySpec } from '../istio/gatewayApi';
import type { KubeObject } from '../istio/model';

export interface Manifest {
  file: string;
  object: Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  };
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
]);

export type ManifestResult = { ok: true; manifests: Manifest[] } | { ok: false; message: string };

export function readManifests(files: { name: string; text: string }[], namespace: string): ManifestResult {
  const manifests: Manifest[] = [];
  for (const f of files) {
    const docs = parseAllDocuments(f.text);
    for (const [i, doc] of docs.entries()) {
      const [e] = doc.errors;
      if (e) {
        const line = e.linePos?.[0]?.line;
        return {
          ok: false,
          message: `${f.name}${line ? `:${line}` : ''} is not valid YAML: ${e.message.replace(/\n[^]*$/, '')} Fix it and deploy again.`,
        };
      }
      const obj = doc.toJS() as Record<string, unknown> | null;
      if (!obj) continue;
      const meta = obj.metadata as { name?: string; namespace?: string } | undefined;
      if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || !meta?.name) {
        return {
          ok: false,
          message: `${f.name}, document ${i + 1}, lacks apiVersion, kind or metadata.name: every object to deploy needs all three.`,
        };
      }
      if (!CLUSTER_SCOPED.has(obj.kind)) {
        if (meta.namespace && meta.namespace !== namespace) {
          return {
            ok: false,
            message: `${f.name}: ${obj.kind} ${meta.name} is in namespace "${meta.namespace}", but the lab deploys to "${namespace}" (istioIngressLab.sample.namespace). Make them the same.`,
          };
        }
        meta.namespace = namespace;
      }
      manifests.push({ file: f.name, object: obj as Manifest['object'] });
    }
  }
  if (!manifests.length)
    return { ok: false, message: 'The sample files hold no Kubernetes objects: scaffold the sample first.' };
  return { ok: true, manifests };
}

/**
 * The Deployments a deploy waits for: the manifests' own, and for each Gateway API Gateway of class istio
 * the one istiod deploys for it (`<gw>-istio`), whose pod serves the Gateway's routes.
 */
export function deploymentsToWaitFor(manifests: readonly Manifest[]): string[] {
  const names = manifests.filter((m) => m.object.kind === 'Deployment').map((m) => m.object.metadata.name);
  for (const m of manifests) {
    if (m.object.kind !== 'Gateway' || !m.object.apiVersion.startsWith('gateway.networking.k8s.io/')) continue;
    const gw = m.object as unknown as KubeObject<K8sGatewaySpec>;
    if (gw.spec?.gatewayClassName === 'istio') names.push(deployedName(gw));
  }
  return names;
}
