// What `kubectl get pod,svc,deployment,endpoints,virtualservices.networking.istio.io,gateways.networking.istio.io -n <ns>` prints, from the objects
// the cluster returned: one block per kind, columns as kubectl names them. Pure.
import { goTable } from '../envoy/goTabwriter';
import type { DeploymentProgress, EndpointInfo, PodInfo, Service } from '../kube/objects';

export interface NamespaceView {
  pods: PodInfo[];
  services: Service[];
  deployments: DeploymentProgress[];
  endpoints: { service: string; endpoints: EndpointInfo[] }[];
  virtualServices: { name: string; gateways: string[]; hosts: string[] }[];
  gateways: { name: string }[];
  /** Gateway API Gateways (kubectl's columns: CLASS, ADDRESS, PROGRAMMED). */
  k8sGateways?: { name: string; className: string; address?: string; programmed?: string }[];
  httpRoutes?: { name: string; hostnames: string[] }[];
}

function block(header: string[], rows: (string | number)[][]): string {
  return goTable([header, ...rows], 3);
}

export function formatNamespaceView(v: NamespaceView): string {
  const out: string[] = [];
  if (v.pods.length) {
    out.push(
      block(
        ['NAME', 'READY', 'STATUS', 'IP'],
        v.pods.map((p) => [
          `pod/${p.name}`,
          p.ready ? '1/1' : '0/1',
          p.ready ? 'Running' : (p.notReadyReason ?? p.phase ?? ''),
          p.ip ?? '<none>',
        ]),
      ),
    );
  }
  if (v.services.length) {
    out.push(
      block(
        ['NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)'],
        v.services.map((s) => [
          `service/${s.metadata.name}`,
          s.spec.type ?? 'ClusterIP',
          s.spec.clusterIP ?? '<none>',
          (s.spec.ports ?? [])
            .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
            .join(',') || '<none>',
        ]),
      ),
    );
  }
  if (v.deployments.length) {
    out.push(
      block(
        ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE'],
        v.deployments.map((d) => [`deployment.apps/${d.name}`, `${d.ready}/${d.desired}`, d.updated, d.available]),
      ),
    );
  }
  if (v.endpoints.length) {
    out.push(
      block(
        ['NAME', 'ENDPOINTS'],
        v.endpoints.map((e) => {
          const addrs = e.endpoints.filter((x) => x.ready).flatMap((x) => x.ports.map((p) => `${x.ip}:${p.port}`));
          return [`endpoints/${e.service}`, addrs.join(',') || '<none>'];
        }),
      ),
    );
  }
  if (v.virtualServices.length) {
    out.push(
      block(
        ['NAME', 'GATEWAYS', 'HOSTS'],
        v.virtualServices.map((s) => [
          `virtualservice.networking.istio.io/${s.name}`,
          JSON.stringify(s.gateways),
          JSON.stringify(s.hosts),
        ]),
      ),
    );
  }
  if (v.gateways.length)
    out.push(
      block(
        ['NAME'],
        v.gateways.map((g) => [`gateway.networking.istio.io/${g.name}`]),
      ),
    );
  if (v.k8sGateways?.length)
    out.push(
      block(
        ['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED'],
        v.k8sGateways.map((g) => [
          `gateway.gateway.networking.k8s.io/${g.name}`,
          g.className,
          g.address ?? '',
          g.programmed ?? 'Unknown',
        ]),
      ),
    );
  if (v.httpRoutes?.length)
    out.push(
      block(
        ['NAME', 'HOSTNAMES'],
        v.httpRoutes.map((r) => [`httproute.gateway.networking.k8s.io/${r.name}`, JSON.stringify(r.hostnames)]),
      ),
    );
  return out.length ? out.join('\n') : 'No resources found.\n';
}
