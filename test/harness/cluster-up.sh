#!/usr/bin/env bash
# Starts the lab's own cluster: a real kube-apiserver/controller-manager/scheduler/etcd run by
# kwokctl (runtime binary, everything on 127.0.0.1), one fake node played by kwok, Istio's CRDs,
# the Gateway API CRDs, and istio-system with istiod and the istio-ingressgateway Deployment +
# LoadBalancer Service.
# Then the data path, all real but the xds-relay STAND-IN:
#   - the node as a network namespace with the real kube-proxy (node-net.sh),
#   - the real istiod (pilot-discovery) on the host, and the xds-relay (istiod.mjs),
#   - the gateway pod's own network namespace at its pod IP with upstream Envoy in it, configured
#     by istiod only (backends.sh, gateway-pod.mjs), and the backends' pods likewise.
# Writes the kubeconfig to .cluster/kubeconfig. Safe to run when the cluster is already up.
# Usage: bash test/harness/cluster-up.sh   (npm run cluster:up)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"

T0=$(date +%s.%N)
elapsed() { awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $T0}"; }
say() { echo "[cluster-up +$(elapsed)s] $*"; }
die() { echo "cluster-up: error: $*" >&2; exit 1; }

mkdir -p "$CLUSTER_DIR" "$LOG_DIR" "$KWOK_WORKDIR"
rm -f "$CLUSTER_DIR/stopping"   # set by cluster-down.sh

# 1. Binaries (idempotent; seconds when cached).
if ! [[ -x "$K8S_BIN/kube-apiserver" && -x "$K8S_BIN/kube-proxy" && -x "$ETCD_BIN/etcd" && -x "$KWOK_BIN/kwokctl" && -x "$ENVOY_BIN" \
      && -x "$ISTIO_BIN/pilot-discovery" && -x "$ISTIO_BIN/istioctl" && -x "$ISTIO_BIN/xds-relay" ]]; then
  say "binaries missing in $HARNESS_CACHE; building them (test/harness/build.sh)"
  bash "$HERE/build.sh" 2>&1 | tee "$LOG_DIR/build.log"
fi
# The xds-relay is this repository's own source: rebuilt when it changed (seconds; nothing when up to date).
bash "$HERE/istio-build/build.sh" >/dev/null 2>>"$LOG_DIR/build.log"
KUBECTL=("$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH")

# 2. Control plane.
if [[ -f "$KUBECONFIG_PATH" ]] && "${KUBECTL[@]}" get --raw /readyz >/dev/null 2>&1; then
  say "cluster $CLUSTER_NAME already running"
else
  # A half-dead earlier cluster (machine rebooted, processes killed) would block the name.
  "$KWOK_BIN/kwokctl" delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KUBECONFIG_PATH" >/dev/null 2>&1 || true
  rm -f "$KUBECONFIG_PATH"
  cat > "$CLUSTER_DIR/kwokctl.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeVersion: $K8S_VERSION
  kwokVersion: $KWOK_VERSION
  etcdVersion: ${ETCD_VERSION#v}
  enableCRDs: [PortForward, ClusterPortForward, Exec, ClusterExec, Logs]
  kubeApiserverBinary: $K8S_BIN/kube-apiserver
  kubeControllerManagerBinary: $K8S_BIN/kube-controller-manager
  kubeSchedulerBinary: $K8S_BIN/kube-scheduler
  kubectlBinary: $K8S_BIN/kubectl
  etcdBinary: $ETCD_BIN/etcd
  kwokControllerBinary: $KWOK_BIN/kwok
  # No KwokConfiguration document: one without every default makes kwok exit
  # ("playStageParallelism must be greater than 0"). Pod IPs come from the node's podCIDR.
EOF
  say "kwokctl create cluster $CLUSTER_NAME (kube $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
  if ! "$KWOK_BIN/kwokctl" create cluster --name "$CLUSTER_NAME" --config "$CLUSTER_DIR/kwokctl.yaml" \
      --kubeconfig "$KUBECONFIG_PATH" --wait 3m > "$LOG_DIR/kwokctl-create.log" 2>&1; then
    tail -30 "$LOG_DIR/kwokctl-create.log" >&2
    die "kwokctl create cluster failed; full log: $LOG_DIR/kwokctl-create.log, component logs: $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs/"
  fi
fi
say "control plane ready: $("${KUBECTL[@]}" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1)"

# 3. Istio's CRDs from istio.io/api's published YAML, and the Gateway API CRDs (standard channel) of the
#    version istiod is built against (istiod reads Gateway API objects and deploys a gateway for a Gateway
#    of class istio), both read from the Go module cache and installed together (one apply, one wait).
mod_dir() { (cd "$HARNESS_CACHE" && GOFLAGS= go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'); }
CRD_FILE="$(mod_dir "istio.io/api@$ISTIO_API_VERSION")/kubernetes/customresourcedefinitions.gen.yaml"
[[ -f "$CRD_FILE" ]] || die "no Istio CRD YAML at $CRD_FILE (go mod download istio.io/api@$ISTIO_API_VERSION failed?)"
GWAPI_CRDS="$(mod_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")/config/crd/standard"
[[ -d "$GWAPI_CRDS" ]] || die "no Gateway API CRDs at $GWAPI_CRDS (go mod download sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION failed?)"
# The marker lives in kwokctl's cluster directory, which goes away with the cluster.
CRD_MARK="$KWOK_WORKDIR/clusters/$CLUSTER_NAME/crds-istio-$ISTIO_API_VERSION-gateway-api-$GATEWAY_API_VERSION"
if [[ -f "$CRD_MARK" ]]; then
  say "Istio CRDs ($ISTIO_API_VERSION) and Gateway API CRDs ($GATEWAY_API_VERSION) already installed"
else
  say "installing Istio CRDs from istio.io/api@$ISTIO_API_VERSION and the Gateway API CRDs (standard channel) from sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION"
  CRD_ARGS=(-f "$CRD_FILE")
  for f in "$GWAPI_CRDS"/gateway.networking.k8s.io_*.yaml; do [[ "$f" == *_vap_* ]] || CRD_ARGS+=(-f "$f"); done
  # (the channel's ValidatingAdmissionPolicy comes with it, as `kubectl apply -f standard/` installs it)
  "${KUBECTL[@]}" apply --server-side --force-conflicts "${CRD_ARGS[@]}" -f "$GWAPI_CRDS/gateway.networking.k8s.io_vap_safeupgrades.yaml" > "$LOG_DIR/crds.log"
  # every one of them: a CRD not yet established answers 404 to a list that discovery already offers
  "${KUBECTL[@]}" wait --for condition=established --timeout=60s "${CRD_ARGS[@]}" >/dev/null
  touch "$CRD_MARK"
fi

# 4. The fake node; kwok assigns pod IPs from its podCIDR.
"${KUBECTL[@]}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
spec:
  podCIDR: $POD_CIDR
  podCIDRs: [$POD_CIDR]
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
EOF
"${KUBECTL[@]}" wait --for condition=Ready --timeout=60s "node/$NODE_NAME" >/dev/null
# kwok leaves the node with only a Hostname address; give it the InternalIP its NodePorts answer on
# (the host side of lab-lb0), as a kubelet would report it, so the lab offers "node IP + NodePort".
# The Hostname stays "localhost": the API server dials the "kubelet" (kwok, on 127.0.0.1) by the
# Hostname address first, and port-forward and exec go that way.
"${KUBECTL[@]}" patch node "$NODE_NAME" --subresource=status --type=merge \
  -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"$HOST_GW_IP\"},{\"type\":\"Hostname\",\"address\":\"localhost\"}]}}" >/dev/null
say "node $NODE_NAME Ready (podCIDR $POD_CIDR, InternalIP $HOST_GW_IP)"

# 5. istio-system as Istio's default profile creates it: istiod and the ingress gateway.
"${KUBECTL[@]}" apply -f "$HERE/manifests/istio-ingressgateway.yaml" -f "$HERE/manifests/istiod.yaml" >/dev/null
# The injector's templates as the default profile installs them (rendered by the real istioctl); istiod's
# gateway deployment controller deploys a Gateway's `<gw>-istio` from its `kube-gateway` template.
# Rendered once per istioctl version (1.2 s), kept beside the binary.
INJECTOR_YAML="$ISTIO_BIN/istio-sidecar-injector.yaml"
if [[ ! -s "$INJECTOR_YAML" || "$INJECTOR_YAML" -ot "$ISTIO_BIN/istioctl" ]]; then
  node "$HERE/injector-config.mjs" "$ISTIO_BIN/istioctl" > "$INJECTOR_YAML.tmp" && mv "$INJECTOR_YAML.tmp" "$INJECTOR_YAML"
fi
"${KUBECTL[@]}" apply --server-side --force-conflicts -f "$INJECTOR_YAML" >/dev/null
# No cloud assigns the LoadBalancer an IP: the harness gives it INGRESS_IP, an address of the node.
"${KUBECTL[@]}" -n istio-system patch service istio-ingressgateway --subresource=status --type=merge \
  -p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$INGRESS_IP\",\"ipMode\":\"VIP\"}]}}}" >/dev/null
say "waiting for the istiod and istio-ingressgateway rollouts"
"${KUBECTL[@]}" -n istio-system rollout status deployment/istiod --timeout=120s >/dev/null
"${KUBECTL[@]}" -n istio-system rollout status deployment/istio-ingressgateway --timeout=120s >/dev/null
"${KUBECTL[@]}" -n istio-system wait --for condition=Ready --timeout=60s pod -l istio=ingressgateway >/dev/null
GW_POD=$("${KUBECTL[@]}" -n istio-system get pod -l istio=ingressgateway -o jsonpath='{.items[0].metadata.name}')
GW_IP=$("${KUBECTL[@]}" -n istio-system get pod "$GW_POD" -o jsonpath='{.status.podIP}')
say "gateway pod $GW_POD Running/Ready, pod IP $GW_IP"

# 6. The node: network namespace with the node IP, the LoadBalancer IP and the real kube-proxy.
bash "$HERE/node-net.sh" up
LAB_NODEPORT_HTTP=$("${KUBECTL[@]}" -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].nodePort}')
LAB_NODEPORT_HTTPS=$("${KUBECTL[@]}" -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="https")].nodePort}')
printf '{"ingressIP":"%s","nodeIP":"%s","nodePortHttp":"%s","nodePortHttps":"%s","nodeNetns":"%s"}\n' \
  "$INGRESS_IP" "$HOST_GW_IP" "$LAB_NODEPORT_HTTP" "$LAB_NODEPORT_HTTPS" "$NODE_NETNS" > "$CLUSTER_DIR/ingress.json"
say "ingress $INGRESS_IP:80 (LoadBalancer), node $HOST_GW_IP:$LAB_NODEPORT_HTTP (NodePort), through kube-proxy in $NODE_NETNS"

# 7. istiod (real) and the xds-relay (STAND-IN), the gateway's only config source.
node "$HERE/istiod.mjs" start

# 8. The gateway pod's Envoy in the pod's network namespace, the backends of any app pods, and a
#    watcher that does this again when pods come and go (kubelet's part; it pushes no config).
bash "$HERE/backends.sh" up
if [[ "${LAB_SYNC:-1}" != 0 ]]; then node "$HERE/sync.mjs" start; fi
mkdir -p "$CLUSTER_DIR/bin"
ln -sfn "$ISTIO_BIN/istioctl" "$CLUSTER_DIR/bin/istioctl"   # the real istioctl, for the lab's PATH

# 9. Numbers: start time and the control plane's memory.
RSS_KB=0
for pidfile in "$KWOK_WORKDIR/clusters/$CLUSTER_NAME/pids/"*.pid "$CLUSTER_DIR/istiod/istiod.pid"; do   # etcd, apiserver, controller-manager, scheduler, kwok, istiod
  pid=$(cat "$pidfile")
  [[ -r "/proc/$pid/status" ]] && RSS_KB=$((RSS_KB + $(awk '/VmRSS/{print $2}' "/proc/$pid/status")))
done
START_S=$(elapsed)
printf '{"startSeconds": %s, "controlPlaneRssMiB": %d, "at": "%s"}\n' "$START_S" $((RSS_KB / 1024)) "$(date -u +%FT%TZ)" > "$CLUSTER_DIR/up-metrics.json"
say "cluster up in ${START_S}s; control plane RSS $((RSS_KB / 1024)) MiB"
cat <<EOF

  kubeconfig:   $KUBECONFIG_PATH
  kubectl:      $K8S_BIN/kubectl --kubeconfig .cluster/kubeconfig get pods -A
  istioctl:     .cluster/bin/istioctl proxy-status   (real istioctl; KUBECONFIG=.cluster/kubeconfig)
  ingress:      curl -H 'Host: ...' http://$INGRESS_IP/ (LoadBalancer); node $HOST_GW_IP:$LAB_NODEPORT_HTTP (NodePort)
  envoy admin:  kubectl -n istio-system port-forward pod/$GW_POD 15000
  kube-proxy:   bash test/harness/node-net.sh save   (iptables-save -t nat -c in the node $NODE_NETNS)
  logs:         $LOG_DIR (istiod.log, xds-relay.log, kube-proxy.log), $CLUSTER_DIR/backends/*/, $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs
EOF
