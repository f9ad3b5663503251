#!/usr/bin/env bash
# Builds the Istio translation oracle (see README.md) into the cache outside the repository:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/oracle/<istio pseudo-version>/oracle
# Idempotent: skips the build when that binary exists and was built from the same sources
# (a hash of *.go, go.mod and go.sum is kept next to it). Prints the binary's path on stdout
# as the last line; timings go to stderr.
#   --print-path   only print where the binary is (or would be), build nothing
#   --force        rebuild even when up to date
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v go >/dev/null 2>&1; then
  echo "oracle/build.sh: the Go toolchain is not on PATH; install Go >= 1.26 (https://go.dev/dl/) and retry" >&2
  exit 1
fi

istio_version="$(awk '$1 == "istio.io/istio" { print $2; exit }' go.mod)"
if [[ -z "$istio_version" ]]; then
  echo "oracle/build.sh: cannot find the istio.io/istio version in $here/go.mod" >&2
  exit 1
fi

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/oracle/$istio_version"
binary="$cache_root/oracle"
stamp="$cache_root/oracle.srchash"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$binary"
  exit 0
fi

src_hash="$(cat go.mod go.sum $(ls ./*.go | grep -v _test.go) ./*.yaml | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$src_hash" ]]; then
  echo "oracle/build.sh: up to date ($istio_version), nothing to build" >&2
  echo "$binary"
  exit 0
fi

mkdir -p "$cache_root"
echo "oracle/build.sh: building against istio.io/istio $istio_version (a cold build compiles ~1750 packages: 10-20 min on 2 cores)" >&2
start=$(date +%s)
# GOFLAGS=-mod=readonly: go.sum is committed; a build must not rewrite it.
GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -o "$binary.tmp" .
mv "$binary.tmp" "$binary"
echo "$src_hash" > "$stamp"
end=$(date +%s)
size=$(stat -c %s "$binary")
echo "oracle/build.sh: built in $((end - start)) s, binary $((size / 1024 / 1024)) MiB" >&2
echo "$binary"
