package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/config/schema/gvr"
	kubelib "istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/kclient/clienttest"
	"istio.io/istio/pkg/test"
)

// defaultProxyVersion is the Istio version of the pinned istio.io/istio commit (its VERSION file):
// the gateway proxy claims to be as new as the control plane, as after an ordinary install.
const defaultProxyVersion = "1.31.0"

// generate runs Istio's discovery server in-process on the inputs and returns the JSON document.
func generate(t test.Failer, in *inputs, o options) []byte {
	meshCfg, err := loadMeshConfig(o.meshConfigFile, o.meshConfigYAML)
	if err != nil {
		t.Fatal(err)
	}
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		Configs:           in.configs,
		KubernetesObjects: in.kube,
		MeshConfig:        meshCfg,
		KubeClientModifier: func(c kubelib.Client) {
			annotateGatewayAPICRDs(c)
			// FakeDiscoveryServer installs the route kinds' CRDs but not BackendTLSPolicy's (standard channel
			// since Gateway API v1.4); without its CRD istiod's informer never starts and ignores the policies.
			clienttest.MakeCRD(t, c, gvr.BackendTLSPolicy)
		},
	})
	proxy := s.SetupProxy(gatewayProxy(in, o))

	listeners := s.Listeners(proxy)
	routes := s.RoutesFromListeners(proxy, listeners)
	normalizeRoutes(routes)
	clusters := s.Clusters(proxy)
	endpoints := s.Endpoints(proxy)
	statuses := gatewayAPIStatuses(t, s)

	// Listeners, route configurations, clusters and load assignments are sets in xDS (Envoy looks
	// them up by name), and istiod builds some of them from Go maps (the gateway's listeners come
	// out in random order). Sorting by name makes the output byte-stable for golden files.
	sortByName(listeners, (*listener.Listener).GetName)
	sortByName(routes, (*route.RouteConfiguration).GetName)
	sortByName(clusters, (*cluster.Cluster).GetName)
	sortByName(endpoints, (*endpoint.ClusterLoadAssignment).GetClusterName)

	var buf bytes.Buffer
	buf.WriteString("{\n")
	writeList(t, &buf, "listeners", listeners, false)
	writeList(t, &buf, "routes", routes, false)
	writeList(t, &buf, "clusters", clusters, false)
	// only inputs with Gateway API objects have statuses; other cases' output stays as it was
	writeList(t, &buf, "endpoints", endpoints, len(statuses) == 0)
	if len(statuses) > 0 {
		writeStatuses(t, &buf, statuses)
	}
	buf.WriteString("}\n")
	return buf.Bytes()
}

// gatewayProxy describes the ingress gateway's Envoy as it connects to istiod: a Router in the
// gateway namespace whose IP is the gateway pod's IP.
func gatewayProxy(in *inputs, o options) *model.Proxy {
	podName := o.gatewayPodName
	lbls := copyMap(gatewayLabels)
	if p := in.gatewayPod(o.gatewayIP); p != nil {
		podName = p.Name
		lbls = copyMap(p.Labels)
	}
	return &model.Proxy{
		Type:            model.Router,
		ID:              podName + "." + o.gatewayNamespace,
		IPAddresses:     []string{o.gatewayIP},
		ConfigNamespace: o.gatewayNamespace,
		DNSDomain:       o.gatewayNamespace + ".svc." + domainSuffix,
		Labels:          lbls,
		Metadata: &model.NodeMetadata{
			Labels:       lbls,
			Namespace:    o.gatewayNamespace,
			ClusterID:    constants.DefaultClusterName,
			IstioVersion: o.proxyVersion,
		},
	}
}

const (
	meshDefaultInstall = "default-install"
	meshBuiltin        = "builtin"
	// istiodNamespace holds the istio ConfigMap istiod reads (its own namespace in the default install).
	istiodNamespace = "istio-system"
)

// meshDefaultInstallYAML is the mesh config a default-profile install gives istiod; without it the
// gateway listeners lack the istio.stats filter that a real cluster's gateway has.
//
//go:embed mesh-default-install.yaml
var meshDefaultInstallYAML string

// loadMeshConfig returns nil for "builtin": FakeDiscoveryServer then uses mesh.DefaultMeshConfig().
// fromConfigMap, when not empty, is the input's istio ConfigMap's `mesh` key (--mesh-config was not given).
func loadMeshConfig(path, fromConfigMap string) (*meshconfig.MeshConfig, error) {
	if fromConfigMap != "" {
		m, err := mesh.ApplyMeshConfigDefaults(fromConfigMap)
		if err != nil {
			return nil, fmt.Errorf("the mesh key of ConfigMap %s/istio is not a valid mesh config: %v", istiodNamespace, err)
		}
		return m, nil
	}
	var data string
	switch path {
	case meshBuiltin:
		return nil, nil
	case meshDefaultInstall, "":
		data = meshDefaultInstallYAML
	default:
		b, err := readFile(path)
		if err != nil {
			return nil, err
		}
		data = string(b)
	}
	m, err := mesh.ApplyMeshConfigDefaults(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid mesh config: %v", path, err)
	}
	return m, nil
}

// writeList writes `"name": [ ... ]` with one protojson object per element. protojson's output
// is deliberately unstable in whitespace, so each object is re-indented through encoding/json
// (which keeps protojson's field order) to make the output byte-stable for golden files.
func writeList[T proto.Message](t test.Failer, buf *bytes.Buffer, name string, items []T, last bool) {
	fmt.Fprintf(buf, "  %q: [", name)
	for i, m := range items {
		raw, err := protojson.MarshalOptions{}.Marshal(m)
		if err != nil {
			t.Fatalf("cannot print %s as JSON: %v", name, err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "    ", "  "); err != nil {
			t.Fatalf("cannot indent %s JSON: %v", name, err)
		}
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n    ")
		buf.Write(pretty.Bytes())
	}
	if len(items) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("]")
	if !last {
		buf.WriteString(",")
	}
	buf.WriteString("\n")
}

// normalizeRoutes removes the one nondeterminism found in Istio's route output: query parameter
// matchers come from a Go map (route.go: `for name, stringMatch := range in.QueryParams`), so
// istiod emits them in random order, push after push. The oracle sorts them by name; a
// comparison with live Envoy config must ignore their order too.
func normalizeRoutes(rcs []*route.RouteConfiguration) {
	for _, rc := range rcs {
		for _, vh := range rc.GetVirtualHosts() {
			for _, r := range vh.GetRoutes() {
				qp := r.GetMatch().GetQueryParameters()
				sort.SliceStable(qp, func(i, j int) bool { return qp[i].GetName() < qp[j].GetName() })
			}
		}
	}
}

func sortByName[T any](items []T, name func(T) string) {
	sort.SliceStable(items, func(i, j int) bool { return name(items[i]) < name(items[j]) })
}
