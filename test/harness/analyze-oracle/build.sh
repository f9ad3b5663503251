#!/usr/bin/env bash
# Builds the Istio analyzer oracle (main.go) into the cache outside the repository:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/analyze-oracle/<istio pseudo-version>/analyze-oracle
# Idempotent: skips the build when that binary exists and was built from the same sources. Prints the
# binary's path on stdout as the last line; timings go to stderr. Shares Go's build cache with
# ../oracle, so after that one is built most of Istio is already compiled.
#   --print-path   only print where the binary is (or would be), build nothing
#   --force        rebuild even when up to date
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v go >/dev/null 2>&1; then
  echo "analyze-oracle/build.sh: the Go toolchain is not on PATH; install Go >= 1.26 (https://go.dev/dl/) and retry" >&2
  exit 1
fi

istio_version="$(awk '$1 == "istio.io/istio" { print $2; exit }' go.mod)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/analyze-oracle/$istio_version"
binary="$cache_root/analyze-oracle"
stamp="$cache_root/analyze-oracle.srchash"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$binary"
  exit 0
fi

src_hash="$(cat go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$src_hash" ]]; then
  echo "analyze-oracle/build.sh: up to date ($istio_version), nothing to build" >&2
  echo "$binary"
  exit 0
fi

mkdir -p "$cache_root"
echo "analyze-oracle/build.sh: building against istio.io/istio $istio_version (cold: minutes)" >&2
start=$(date +%s)
# -mod=readonly: go.sum is committed; a build must not rewrite it.
GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -o "$binary.tmp" .
mv "$binary.tmp" "$binary"
echo "$src_hash" > "$stamp"
end=$(date +%s)
echo "analyze-oracle/build.sh: built in $((end - start)) s" >&2
echo "$binary"
