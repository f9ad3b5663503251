#!/usr/bin/env bash
# kwok-patch/build.sh <out dir> [--unpatched-test]: kwok and kwokctl $KWOK_VERSION from the Go module
# cache with dynamic-getter-version.patch applied, after its test passes on the patched copy.
#
# Why: kwok 0.8.0 caches each PortForward list under the informer's LastSyncResourceVersion, which
# the reflector moves before the informer's store holds the object; a port-forward request in that
# gap caches the old list for good, and `kubectl port-forward` to a new gateway pod then answers "no
# forward found for port 15000" until another PortForward changes (seen once in ten cluster starts).
# The patch versions the cache by the changes the informer's handlers saw (they run after the store).
# dynamic_version_test.go shows the gap: it fails on the unpatched copy (--unpatched-test runs that).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../versions.sh"
out=$1
src=$(GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[[ -d "$src" ]] || { echo "kwok-patch: no sigs.k8s.io/kwok@$KWOK_VERSION in the module cache" >&2; exit 1; }
work=$(mktemp -d "$HARNESS_CACHE/tmp.kwok.XXXXXX")
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src" "$work/kwok"; chmod -R u+w "$work/kwok"
cp "$HERE/dynamic_version_test.go" "$work/kwok/pkg/config/resources/"
cd "$work/kwok"
if [[ "${2:-}" == --unpatched-test ]]; then
  exec env GOFLAGS=-mod=mod go test -count=1 -run TestDynamicGetter ./pkg/config/resources/
fi
patch -s -p1 < "$HERE/dynamic-getter-version.patch"
GOFLAGS=-mod=mod go test -count=1 -run TestDynamicGetter ./pkg/config/resources/
GOFLAGS=-mod=mod go build -ldflags "-s -w" -o "$out/kwok" ./cmd/kwok
GOFLAGS=-mod=mod go build -ldflags "-s -w" -o "$out/kwokctl" ./cmd/kwokctl
