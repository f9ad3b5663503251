package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"unsafe"

	"istio.io/istio/pilot/pkg/config/kube/gateway"
	"istio.io/istio/pilot/pkg/status"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/test"
)

// The Gateway API status istiod computes: the Gateway's conditions, addresses and listeners (conditions,
// supportedKinds, attachedRoutes) and each route's parents, as Istio's gateway controller builds them
// (GatewayCollection, FinalGatewayStatusCollection, the route collections' createRouteStatus). istiod hands them
// to a status queue that writes them to the API server; the oracle gives the controller a queue of its own and
// prints what it receives. Istio's own conversion test reads statuses the same way (conversion_test.go,
// TestStatusQueue through ctrl.status.SetQueue); the field is unexported, hence the reflection below.

// statusQueue collects the last status enqueued for each object (status.Queue).
type statusQueue struct {
	mu    sync.Mutex
	state map[status.Resource]any
}

func (q *statusQueue) EnqueueStatusUpdateResource(context any, target status.Resource) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.state[target] = context
}

// controllerStatus reaches the controller's unexported `status *status.StatusCollections`.
func controllerStatus(c *gateway.Controller) *status.StatusCollections {
	f := reflect.ValueOf(c).Elem().FieldByName("status")
	return *(**status.StatusCollections)(unsafe.Pointer(f.UnsafeAddr()))
}

// statusKinds orders the printed objects as Istio's TestStatusQueue.Dump does (Gateways, then routes), then policies.
var statusKinds = map[string]int{
	"gateways": 0, "httproutes": 1, "grpcroutes": 2, "tlsroutes": 3, "tcproutes": 4, "backendtlspolicies": 5,
}

var resourceKinds = map[string]string{
	"gateways": "Gateway", "httproutes": "HTTPRoute", "grpcroutes": "GRPCRoute", "tlsroutes": "TLSRoute", "tcproutes": "TCPRoute",
	"backendtlspolicies": "BackendTLSPolicy",
}

// gatewayAPIStatuses waits until every status istiod computes is queued and returns them as JSON lines for
// the oracle's output, without lastTransitionTime (the time istiod writes it) and observedGeneration (the
// object's metadata.generation, which the API server sets): what remains follows from the inputs alone.
// GatewayClass statuses are left out (the class, not the user's objects).
func gatewayAPIStatuses(t test.Failer, s *xds.FakeDiscoveryServer) []json.RawMessage {
	c, ok := s.Env().GatewayAPIController.(*gateway.Controller)
	if !ok || c == nil {
		return nil
	}
	q := &statusQueue{state: map[status.Resource]any{}}
	stop := test.NewStop(t)
	for _, syncer := range controllerStatus(c).SetQueue(q) {
		syncer.WaitUntilSynced(stop)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	keys := make([]status.Resource, 0, len(q.state))
	for k := range q.state {
		if _, ok := statusKinds[k.Resource]; ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if statusKinds[a.Resource] != statusKinds[b.Resource] {
			return statusKinds[a.Resource] < statusKinds[b.Resource]
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	out := []json.RawMessage{}
	for _, k := range keys {
		raw, err := json.Marshal(q.state[k])
		if err != nil {
			t.Fatalf("cannot print the status of %s %s/%s: %v", k.Resource, k.Namespace, k.Name, err)
		}
		var st any
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		stripVolatile(st)
		doc, err := json.Marshal(map[string]any{
			"kind": resourceKinds[k.Resource], "namespace": k.Namespace, "name": k.Name, "status": st,
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, doc)
	}
	return out
}

// stripVolatile removes lastTransitionTime and observedGeneration from every condition.
func stripVolatile(v any) {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "lastTransitionTime")
		delete(x, "observedGeneration")
		for _, e := range x {
			stripVolatile(e)
		}
	case []any:
		for _, e := range x {
			stripVolatile(e)
		}
	}
}

// writeStatuses writes `"gatewayApiStatus": [ ... ]` (the last key), one indented object per Gateway or route.
func writeStatuses(t test.Failer, buf *bytes.Buffer, docs []json.RawMessage) {
	fmt.Fprintf(buf, "  %q: [", "gatewayApiStatus")
	for i, d := range docs {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, d, "    ", "  "); err != nil {
			t.Fatalf("cannot indent status JSON: %v", err)
		}
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n    ")
		buf.Write(pretty.Bytes())
	}
	if len(docs) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("]\n")
}
