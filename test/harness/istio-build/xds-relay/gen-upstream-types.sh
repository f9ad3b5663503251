#!/usr/bin/env bash
# Regenerates upstream_types.gen.go from the pinned istio.io/istio module's list of filter types.
set -euo pipefail
cd "$(dirname "$0")"
dir=$(cd .. && go list -m -f '{{.Dir}}' istio.io/istio)
{
  sed -n '1,/^import (/p' upstream_types.gen.go
  grep '_ "github.com/envoyproxy/go-control-plane/envoy/' "$dir/pkg/config/xds/filter_types.gen.go"
  echo ')'
} > upstream_types.gen.go.tmp
mv upstream_types.gen.go.tmp upstream_types.gen.go
