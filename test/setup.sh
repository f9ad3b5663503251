#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, idempotently; what is built lives outside the
# repo under ${XDG_CACHE_HOME:-~/.cache}/istio-ingress-lab/, keyed by version, so a second run takes seconds.
#   npm packages (npm ci), code-server + Debian chromium (the real VS Code), the cluster harness
#   (Kubernetes control plane, etcd, kwok, Envoy, nginx), and Istio's translation oracle.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== setup: %s\n' "$*"; }
t0=$(date +%s)

step "npm ci"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then npm ci --no-audit --no-fund; else echo "node_modules up to date"; fi

step "real VS Code (code-server + chromium)"
bash test/vscode/install.sh

step "cluster harness (kube-apiserver, controller-manager, scheduler, kubectl, etcd, kwok, envoy, nginx)"
bash test/harness/build.sh

step "Istio's own test data (istioctl's config dumps and tables, the analyzers' cases) from the pinned istio.io/istio module"
istio_version=$(sed -n 's/^[[:space:]]*istio\.io\/istio[[:space:]]\(v[^[:space:]]*\).*/\1/p' test/harness/oracle/go.mod)
go mod download -json "istio.io/istio@$istio_version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'

step "the Gateway API CRDs the lab's cluster installs (sigs.k8s.io/gateway-api, the version istiod is built against)"
(source test/harness/versions.sh && go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')

step "Istio translation oracle"
bash test/harness/oracle/build.sh

step "Istio analyzers as an oracle for ingress-lab analyze"
bash test/harness/analyze-oracle/build.sh

echo "setup done in $(( $(date +%s) - t0 )) s"
