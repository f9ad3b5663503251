//go:build tools

// The Istio binaries the lab runs, built by build.sh from the same pinned istio.io/istio module as
// the oracle (go build istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/istioctl/cmd/istioctl).
// This file only keeps them in go.mod/go.sum (go mod tidy); it is never compiled.
package tools

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
