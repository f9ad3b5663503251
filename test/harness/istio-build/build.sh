#!/usr/bin/env bash
# Builds the real Istio binaries the lab runs, and the xDS relay (a STAND-IN, see xds-relay/main.go),
# from the same pinned istio.io/istio module as the oracle, into the cache outside the repository:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/istio/<istio pseudo-version>/{pilot-discovery,istioctl,xds-relay}
# Idempotent: a binary is rebuilt only when missing or built from other sources (a hash of go.mod,
# go.sum and, for the relay, its .go files is kept next to it). Prints the directory on stdout as the
# last line; timings go to stderr.
#   --print-dir   only print where the binaries are (or would be), build nothing
#   --force       rebuild even when up to date
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
mode="${1:-}"
if ! command -v go >/dev/null 2>&1; then
  echo "istio-build/build.sh: the Go toolchain is not on PATH; install Go >= 1.26 (https://go.dev/dl/) and retry" >&2
  exit 1
fi
istio_version="$(awk '$1 == "istio.io/istio" { print $2; exit }' go.mod)"
[[ -n "$istio_version" ]] || { echo "istio-build/build.sh: no istio.io/istio version in $here/go.mod" >&2; exit 1; }
dir="${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/istio/$istio_version"
if [[ "$mode" == "--print-dir" ]]; then echo "$dir"; exit 0; fi
mkdir -p "$dir"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0
# The module's own VERSION file says 1.31; the commit is the pseudo-version's suffix.
commit="${istio_version##*-}"
pkg=istio.io/istio/pkg/version
ldflags="-s -w -X $pkg.buildVersion=1.31-dev -X $pkg.buildGitRevision=$commit -X $pkg.buildStatus=Clean -X $pkg.buildTag=$istio_version"

# build_one NAME PACKAGE SOURCES...
build_one() {
  local name=$1 package=$2; shift 2
  local bin="$dir/$name" stamp="$dir/$name.srchash" hash
  hash="$( (cat "$@"; echo "$ldflags") | sha256sum | cut -d' ' -f1)"
  if [[ "$mode" != "--force" && -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    echo "istio-build: $name up to date ($istio_version)" >&2
    return
  fi
  echo "istio-build: building $name against istio.io/istio $istio_version (cold: minutes)" >&2
  local start=$SECONDS
  # -mod=readonly: go.sum is committed; a build must not rewrite it.
  go build -trimpath -mod=readonly -ldflags "$ldflags" -o "$bin.tmp" "$package"
  mv "$bin.tmp" "$bin"
  echo "$hash" > "$stamp"
  echo "istio-build: $name built in $((SECONDS - start)) s, $(( $(stat -c %s "$bin") / 1024 / 1024 )) MiB" >&2
}

build_one pilot-discovery istio.io/istio/pilot/cmd/pilot-discovery go.mod go.sum
build_one istioctl istio.io/istio/istioctl/cmd/istioctl go.mod go.sum
build_one xds-relay ./xds-relay go.mod go.sum xds-relay/*.go
echo "$dir"
