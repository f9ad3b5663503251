#!/usr/bin/env bash
# Stops everything cluster-up.sh and backends.sh started: the pods' processes (backends, the gateway's
# Envoy) and their network namespaces, istiod and the xds-relay, kube-proxy and the node namespace
# lab-node, the kwokctl cluster (apiserver, controller-manager, scheduler, etcd, kwok).
# Leaves nothing running; safe to run twice.
# Processes are stopped by their own pid files and kwokctl, never by name.
# Usage: bash test/harness/cluster-down.sh   (npm run cluster:down)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"
say() { echo "[cluster-down] $*"; }

# From here on backends.sh up refuses to start anything (tests may still be calling it).
mkdir -p "$CLUSTER_DIR" && touch "$CLUSTER_DIR/stopping"
node "$HERE/sync.mjs" stop
bash "$HERE/backends.sh" down
node "$HERE/istiod.mjs" stop
bash "$HERE/node-net.sh" down
node "$HERE/gateway-envoy.mjs" stop   # an Envoy on the host from an older harness, if any

if [[ -x "$KWOK_BIN/kwokctl" ]] && [[ -d "$KWOK_WORKDIR/clusters/$CLUSTER_NAME" ]]; then
  "$KWOK_BIN/kwokctl" delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KUBECONFIG_PATH" > "$LOG_DIR/kwokctl-delete.log" 2>&1 \
    || { say "kwokctl delete cluster failed:"; tail -5 "$LOG_DIR/kwokctl-delete.log"; }
  say "cluster $CLUSTER_NAME deleted"
else
  say "no cluster $CLUSTER_NAME"
fi

# Whatever a crashed kwokctl left behind: pid files under its work dir name our processes only.
if [[ -d "$KWOK_WORKDIR" ]]; then
  while IFS= read -r pidfile; do
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -e "$KWOK_WORKDIR" -e "$HARNESS_CACHE/bin/"; then
      say "stopping leftover pid $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline" | cut -c1-60))"
      kill "$pid" 2>/dev/null; sleep 1; kill -9 "$pid" 2>/dev/null
    fi
  done < <(find "$KWOK_WORKDIR" -name '*.pid' 2>/dev/null)
  rm -rf "$KWOK_WORKDIR/clusters/$CLUSTER_NAME"
fi

# a kube-proxy check killed mid-run leaves its namespace, veth and process behind
node "$HERE/kube-proxy.mjs" down >/dev/null 2>&1 || true
ip link del lab-lb0 2>/dev/null && say "removed interface lab-lb0 (left by an older harness)"
rm -f "$KUBECONFIG_PATH" "$CLUSTER_DIR/ingress.json" "$CLUSTER_DIR/lab-cluster.json" "$CLUSTER_DIR/bin/istioctl"   # the lab's editor stops showing a cluster as ready
rm -rf "$CLUSTER_DIR/envoy" "$CLUSTER_DIR/backends" "$CLUSTER_DIR/backends.lock"   # xDS files and the choice of config: the next up starts fresh

# Report anything of ours still alive (by our cache/work paths in the command line).
left=$(pgrep -af -- "$HARNESS_CACHE/bin/|$HARNESS_CACHE/envoy-|$HARNESS_CACHE/istio/|$CLUSTER_DIR/" | grep -v -e pgrep -e cluster-down || true)
if [[ -n "$left" ]]; then
  say "WARNING: still running:"; echo "$left"; exit 1
fi
say "nothing left running"
