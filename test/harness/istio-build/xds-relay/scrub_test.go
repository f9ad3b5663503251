package main

import (
	"testing"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	fault "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	router "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tls "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
)

func mustAny(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// istio.alpn's and the stats plugin's types are Istio's own: not registered here, like in upstream Envoy.
func foreign(typeURL string) *anypb.Any {
	return &anypb.Any{TypeUrl: typeURL, Value: []byte{0x0a, 0x01, 0x78}}
}

func TestScrubListenerKeepsUpstreamFiltersAndDropsIstioOnes(t *testing.T) {
	h := &hcm.HttpConnectionManager{
		StatPrefix: "outbound_0.0.0.0_8080",
		RouteSpecifier: &hcm.HttpConnectionManager_Rds{Rds: &hcm.Rds{RouteConfigName: "http.8080",
			ConfigSource: &core.ConfigSource{ConfigSourceSpecifier: &core.ConfigSource_Ads{Ads: &core.AggregatedConfigSource{}}}}},
		HttpFilters: []*hcm.HttpFilter{
			{Name: "istio.metadata_exchange", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: foreign("type.googleapis.com/io.istio.http.peer_metadata.Config")}},
			{Name: "istio.alpn", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: foreign("type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig")}},
			{Name: "envoy.filters.http.fault", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(t, &fault.HTTPFault{})}},
			{Name: "istio.stats", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: foreign("type.googleapis.com/stats.PluginConfig")}},
			{Name: "wasm.ecds", ConfigType: &hcm.HttpFilter_ConfigDiscovery{ConfigDiscovery: &core.ExtensionConfigSource{}}},
			{Name: "envoy.filters.http.router", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(t, &router.Router{})}},
		},
	}
	l := &listener.Listener{Name: "0.0.0.0_8080", FilterChains: []*listener.FilterChain{{Filters: []*listener.Filter{
		{Name: "envoy.filters.network.http_connection_manager", ConfigType: &listener.Filter_TypedConfig{TypedConfig: mustAny(t, h)}},
	}}}}
	res := mustAny(t, l)
	s := &scrubber{types: protoregistry.GlobalTypes}
	if !s.scrubAny(res, "Listener") {
		t.Fatal("expected a change")
	}
	var got listener.Listener
	if err := res.UnmarshalTo(&got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "0.0.0.0_8080" {
		t.Fatalf("name changed: %s", got.Name)
	}
	var gh hcm.HttpConnectionManager
	if err := got.FilterChains[0].Filters[0].GetTypedConfig().UnmarshalTo(&gh); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range gh.HttpFilters {
		names = append(names, f.Name)
	}
	if len(names) != 2 || names[0] != "envoy.filters.http.fault" || names[1] != "envoy.filters.http.router" {
		t.Fatalf("http filters after scrub: %v", names)
	}
	if gh.GetRds().GetRouteConfigName() != "http.8080" || gh.StatPrefix != h.StatPrefix {
		t.Fatalf("HCM changed beyond the filters: %v", &gh)
	}
	if len(s.removed) != 4 {
		t.Fatalf("removed %d entries, want 4: %v", len(s.removed), s.removed)
	}
}

func TestScrubLeavesAnUpstreamOnlyResourceByteIdentical(t *testing.T) {
	rc := &route.RouteConfiguration{Name: "http.8080", VirtualHosts: []*route.VirtualHost{{Name: "simple.baihl.io:80", Domains: []string{"simple.baihl.io"}}}}
	res := mustAny(t, rc)
	before := append([]byte(nil), res.Value...)
	s := &scrubber{types: protoregistry.GlobalTypes}
	if s.scrubAny(res, "RouteConfiguration") {
		t.Fatal("nothing to remove, yet reported a change")
	}
	if string(before) != string(res.Value) {
		t.Fatal("bytes changed")
	}
}

func TestScrubDropsOnlyTheAgentSdsTransportSocketMatch(t *testing.T) {
	sds := &tls.UpstreamTlsContext{CommonTlsContext: &tls.CommonTlsContext{TlsCertificateSdsSecretConfigs: []*tls.SdsSecretConfig{{
		Name: "default",
		SdsConfig: &core.ConfigSource{ConfigSourceSpecifier: &core.ConfigSource_ApiConfigSource{ApiConfigSource: &core.ApiConfigSource{
			GrpcServices: []*core.GrpcService{{TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: "sds-grpc"}}}},
		}}},
	}}}}
	meta, _ := structpb.NewStruct(map[string]any{"tlsMode": "istio"})
	c := &cluster.Cluster{Name: "outbound|80||simple.simple.svc.cluster.local", TransportSocketMatches: []*cluster.Cluster_TransportSocketMatch{
		{Name: "tlsMode-istio", Match: meta, TransportSocket: &core.TransportSocket{Name: "tls", ConfigType: &core.TransportSocket_TypedConfig{TypedConfig: mustAny(t, sds)}}},
		{Name: "tlsMode-disabled", TransportSocket: &core.TransportSocket{Name: "envoy.transport_sockets.raw_buffer"}},
	}}
	res := mustAny(t, c)
	s := &scrubber{types: protoregistry.GlobalTypes}
	s.scrubAny(res, "Cluster")
	var got cluster.Cluster
	if err := res.UnmarshalTo(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.TransportSocketMatches) != 1 || got.TransportSocketMatches[0].Name != "tlsMode-disabled" {
		t.Fatalf("transport socket matches after scrub: %v", got.TransportSocketMatches)
	}
}
