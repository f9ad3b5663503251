#!/usr/bin/env bash
# Starts the lab's own cluster: a real kube-apiserver/controller-manager/scheduler/etcd run by
# kwokctl (runtime binary, everything on 127.0.0.1), one fake node played by kwok, Istio's CRDs,
# and istio-system with the istio-ingressgateway Deployment + LoadBalancer Service.
# Then starts the gateway's Envoy on the host (gateway-envoy.sh, stand-in config unless
# LAB_ENVOY_CONFIG names another) and maps the gateway pod's ports to it.
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
if ! [[ -x "$K8S_BIN/kube-apiserver" && -x "$ETCD_BIN/etcd" && -x "$KWOK_BIN/kwokctl" && -x "$ENVOY_BIN" ]]; then
  say "binaries missing in $HARNESS_CACHE; building them (test/harness/build.sh)"
  bash "$HERE/build.sh" 2>&1 | tee "$LOG_DIR/build.log"
fi
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
  enableCRDs: [PortForward, ClusterPortForward, Exec, ClusterExec]
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

# 3. Istio CRDs from istio.io/api's published YAML, read from the Go module cache.
CRD_DIR=$(cd "$HARNESS_CACHE" && GOFLAGS= go mod download -json "istio.io/api@$ISTIO_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
CRD_FILE="$CRD_DIR/kubernetes/customresourcedefinitions.gen.yaml"
[[ -f "$CRD_FILE" ]] || die "no Istio CRD YAML at $CRD_FILE (go mod download istio.io/api@$ISTIO_API_VERSION failed?)"
# The marker lives in kwokctl's cluster directory, which goes away with the cluster.
CRD_MARK="$KWOK_WORKDIR/clusters/$CLUSTER_NAME/istio-crds-$ISTIO_API_VERSION"
if [[ -f "$CRD_MARK" ]]; then
  say "Istio CRDs from istio.io/api@$ISTIO_API_VERSION already installed"
else
  say "installing Istio CRDs from istio.io/api@$ISTIO_API_VERSION"
  "${KUBECTL[@]}" apply --server-side --force-conflicts -f "$CRD_FILE" > "$LOG_DIR/istio-crds.log"
  # every one of them: a CRD not yet established answers 404 to a list that discovery already offers
  "${KUBECTL[@]}" wait --for condition=established --timeout=60s -f "$CRD_FILE" >/dev/null
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

# 5. istio-system as Istio's default profile creates it.
"${KUBECTL[@]}" apply -f "$HERE/manifests/istio-ingressgateway.yaml" >/dev/null
say "waiting for the istio-ingressgateway rollout"
"${KUBECTL[@]}" -n istio-system rollout status deployment/istio-ingressgateway --timeout=120s >/dev/null
"${KUBECTL[@]}" -n istio-system wait --for condition=Ready --timeout=60s pod -l istio=ingressgateway >/dev/null
GW_POD=$("${KUBECTL[@]}" -n istio-system get pod -l istio=ingressgateway -o jsonpath='{.items[0].metadata.name}')
GW_IP=$("${KUBECTL[@]}" -n istio-system get pod "$GW_POD" -o jsonpath='{.status.podIP}')
say "gateway pod $GW_POD Running/Ready, pod IP $GW_IP"

# 6. The ingress address. No cloud assigns the LoadBalancer an IP and kube-proxy does not run,
#    so the harness creates the addresses itself on an interface of its own (lab-lb0): INGRESS_IP (the
#    LoadBalancer's IP, Service ports 80/443) and HOST_GW_IP (the node's InternalIP, NodePorts).
#    The gateway's Envoy also listens there, where kube-proxy would forward.
export LAB_INGRESS_IP="" LAB_NODE_IP="" LAB_NODEPORT_HTTP="" LAB_NODEPORT_HTTPS=""
# (A veth pair with both ends on the host: the dummy module is missing in some containers.)
if ip link show lab-lb0 >/dev/null 2>&1 || ip link add lab-lb0 type veth peer name lab-lb1 2>/dev/null; then
  ip link set lab-lb1 up
  ip link set lab-lb0 up
  ip addr replace "$INGRESS_IP/32" dev lab-lb0
  ip addr replace "$HOST_GW_IP/32" dev lab-lb0
  LAB_INGRESS_IP=$INGRESS_IP LAB_NODE_IP=$HOST_GW_IP
  LAB_NODEPORT_HTTP=$("${KUBECTL[@]}" -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].nodePort}')
  LAB_NODEPORT_HTTPS=$("${KUBECTL[@]}" -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="https")].nodePort}')
  "${KUBECTL[@]}" -n istio-system patch service istio-ingressgateway --subresource=status --type=merge \
    -p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$INGRESS_IP\",\"ipMode\":\"VIP\"}]}}}" >/dev/null
  say "ingress address $INGRESS_IP (status.loadBalancer of istio-ingressgateway); node $HOST_GW_IP, NodePort $LAB_NODEPORT_HTTP"
else
  echo "cluster-up: NOTE: cannot create the interface lab-lb0 (not root?): the LoadBalancer gets no" >&2
  echo "cluster-up: NOTE: external IP; reach the gateway by kubectl port-forward or 127.0.0.1:$ENVOY_HTTP_PORT" >&2
fi
printf '{"ingressIP":"%s","nodeIP":"%s","nodePortHttp":"%s","nodePortHttps":"%s","envoyAdmin":"127.0.0.1:%s","envoyHttp":"127.0.0.1:%s"}\n' \
  "$LAB_INGRESS_IP" "$LAB_NODE_IP" "$LAB_NODEPORT_HTTP" "$LAB_NODEPORT_HTTPS" "$ENVOY_ADMIN_PORT" "$ENVOY_HTTP_PORT" > "$CLUSTER_DIR/ingress.json"

# 7. The gateway's Envoy on the host (config: LAB_ENVOY_CONFIG = from-cluster | standin | FILE of
#    oracle JSON), and kwok's port-forward rules: the gateway pod's ports -> that Envoy.
ENVOY_ARGS=(start)
case "${LAB_ENVOY_CONFIG:-}" in
  # Default: Istio's own translation of the cluster's objects (the oracle reruns on every change), so
  # the gateway's Envoy holds what istiod would push. The hand-written stand-in is only a fallback.
  ""|from-cluster) ENVOY_ARGS+=(--from-cluster) ;;
  standin) ENVOY_ARGS+=(--standin) ;;
  *) ENVOY_ARGS+=(--oracle "$LAB_ENVOY_CONFIG") ;;     # a file of oracle JSON
esac
node "$HERE/gateway-envoy.mjs" "${ENVOY_ARGS[@]}"
"${KUBECTL[@]}" apply -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: istio-ingressgateway-envoy
spec:
  selector:
    matchNamespaces: [istio-system]
  forwards:
    - ports: [15000]
      target: {address: 127.0.0.1, port: $ENVOY_ADMIN_PORT}
    - ports: [8080]
      target: {address: 127.0.0.1, port: $ENVOY_HTTP_PORT}
    - ports: [8443]
      target: {address: 127.0.0.1, port: $ENVOY_HTTPS_PORT}
    - ports: [15021]
      target: {address: 127.0.0.1, port: $ENVOY_STATUS_PORT}
EOF

# 8. Kubelet's and istiod's part: backends at new pods' IPs, Envoy config following the cluster.
if [[ "${LAB_SYNC:-1}" != 0 ]]; then node "$HERE/sync.mjs" start; fi

# 9. Numbers: start time and the control plane's memory.
RSS_KB=0
for pidfile in "$KWOK_WORKDIR/clusters/$CLUSTER_NAME/pids/"*.pid; do   # etcd, apiserver, controller-manager, scheduler, kwok
  pid=$(cat "$pidfile")
  [[ -r "/proc/$pid/status" ]] && RSS_KB=$((RSS_KB + $(awk '/VmRSS/{print $2}' "/proc/$pid/status")))
done
START_S=$(elapsed)
printf '{"startSeconds": %s, "controlPlaneRssMiB": %d, "at": "%s"}\n' "$START_S" $((RSS_KB / 1024)) "$(date -u +%FT%TZ)" > "$CLUSTER_DIR/up-metrics.json"
say "cluster up in ${START_S}s; control plane RSS $((RSS_KB / 1024)) MiB"
cat <<EOF

  kubeconfig:   $KUBECONFIG_PATH
  kubectl:      $K8S_BIN/kubectl --kubeconfig .cluster/kubeconfig get pods -A
  envoy admin:  http://127.0.0.1:$ENVOY_ADMIN_PORT   (pod $GW_POD port 15000 via kubectl port-forward)
  envoy http:   http://127.0.0.1:$ENVOY_HTTP_PORT    (pod port 8080)
  ingress:      http://${LAB_INGRESS_IP:-none}:80 (LoadBalancer IP); node ${LAB_NODE_IP:-none}:${LAB_NODEPORT_HTTP}
  backends:     started by sync.mjs when pods appear (or: bash test/harness/backends.sh up)
  logs:         $LOG_DIR, $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs
EOF
