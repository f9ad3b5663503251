// Reader for Envoy's admin `/clusters?format=json`: every cluster with its hosts, their health and locality.
import { normalizeKeys } from './normalize';
import type { ClusterStatus } from './types';
import { ConfigDumpShapeError } from './configDump';
import { CLUSTER_STATUS, shapeProblem } from './dumpShape';

export interface AdminClusters {
  clusterStatuses: ClusterStatus[];
}

export function readAdminClusters(json: unknown): AdminClusters {
  // `istioctl proxy-config endpoints -o json` prints the cluster statuses as a bare array.
  if (
    Array.isArray(json) &&
    json.every((c) => c && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string')
  )
    return checkedStatuses(normalizeKeys(json) as ClusterStatus[]);
  if (json && typeof json === 'object' && Array.isArray((json as { configs?: unknown }).configs))
    throw new ConfigDumpShapeError(
      'this is a /config_dump, not /clusters?format=json output (give it as --config-dump)',
    );
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new ConfigDumpShapeError(
      'not Envoy /clusters?format=json output: expected a JSON object with "cluster_statuses"',
    );
  const o = normalizeKeys(json) as { clusterStatuses?: unknown };
  if (!('clusterStatuses' in o) && Object.keys(o).length > 0)
    throw new ConfigDumpShapeError(
      'not Envoy /clusters?format=json output: no "cluster_statuses" (was it fetched without ?format=json?)',
    );
  const list = Array.isArray(o.clusterStatuses) ? (o.clusterStatuses as ClusterStatus[]) : [];
  const statuses = list.filter((c) => c && typeof c === 'object');
  statuses.forEach((c, i) => {
    const problem = shapeProblem(c, CLUSTER_STATUS, `cluster_statuses[${i}]`);
    if (problem) throw new ConfigDumpShapeError(`${problem}; give the unedited output of /clusters?format=json`);
  });
  return { clusterStatuses: statuses };
}

function checkedStatuses(list: ClusterStatus[]): AdminClusters {
  list.forEach((c, i) => {
    const problem = shapeProblem(c, CLUSTER_STATUS, `[${i}]`);
    if (problem)
      throw new ConfigDumpShapeError(`${problem}; give the unedited output of istioctl proxy-config endpoints -o json`);
  });
  return { clusterStatuses: list };
}
