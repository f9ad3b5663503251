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
source "$here/../lib/cached-go-build.sh"
cached_go_build analyze-oracle "cold: minutes" "${1:-}" -- go.mod go.sum ./*.go
