#!/usr/bin/env bash
# Builds the Istio translation oracle (see README.md) into the cache outside the repository:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/oracle/<istio pseudo-version>/oracle
# Idempotent: skips the build when that binary exists and was built from the same sources
# (a hash of *.go, go.mod, go.sum and the embedded mesh config). Prints the binary's path on stdout
# as the last line; timings go to stderr.
#   --print-path   only print where the binary is (or would be), build nothing
#   --force        rebuild even when up to date
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
source "$here/../lib/cached-go-build.sh"
cached_go_build oracle "a cold build compiles ~1750 packages: 10-20 min on 2 cores" "${1:-}" -- \
  go.mod go.sum $(ls ./*.go | grep -v _test.go) ./*.yaml
