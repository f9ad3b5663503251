package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"istio.io/istio/pkg/test"
)

// TestSeedMatchesRealIstioctlOutput checks the oracle against the one piece of real-cluster
// output we have for the seed sample: the `istioctl pc listener --port 8080` and
// `istioctl pc route --name=http.8080 -o yaml` output printed in the seed article
// (the article behind samples/article/). Only fields that did not change between that Istio version (2022) and the
// pinned one are asserted; see README.md "Version differences".
func TestSeedMatchesRealIstioctlOutput(t *testing.T) {
	files, err := filepath.Glob("../../corpus/seed-simple/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("seed corpus case not found: %v", err)
	}
	opts := options{
		files: files, gatewayIP: "10.244.0.5", gatewayNamespace: "istio-system",
		gatewayPodName: "istio-ingressgateway-576c469c96-spndl", proxyVersion: defaultProxyVersion,
		meshConfigFile: meshDefaultInstall,
	}
	in, err := loadInputs(files)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.complete(&opts); err != nil {
		t.Fatal(err)
	}
	var out []byte
	if err := test.Wrap(func(f test.Failer) { out = generate(f, in, opts) }); err != nil {
		t.Fatal(err)
	}

	var doc struct {
		Listeners []struct {
			Name    string `json:"name"`
			Address struct {
				SocketAddress struct {
					Address   string `json:"address"`
					PortValue int    `json:"portValue"`
				} `json:"socketAddress"`
			} `json:"address"`
		} `json:"listeners"`
		Routes []struct {
			Name                     string `json:"name"`
			ValidateClusters         *bool  `json:"validateClusters"`
			IgnorePortInHostMatching bool   `json:"ignorePortInHostMatching"`
			VirtualHosts             []struct {
				Name                       string   `json:"name"`
				Domains                    []string `json:"domains"`
				IncludeRequestAttemptCount bool     `json:"includeRequestAttemptCount"`
				Routes                     []struct {
					Match struct {
						Path          string `json:"path"`
						Prefix        string `json:"prefix"`
						CaseSensitive *bool  `json:"caseSensitive"`
					} `json:"match"`
					Route struct {
						Cluster       string `json:"cluster"`
						PrefixRewrite string `json:"prefixRewrite"`
					} `json:"route"`
					Decorator struct {
						Operation string `json:"operation"`
					} `json:"decorator"`
				} `json:"routes"`
			} `json:"virtualHosts"`
		} `json:"routes"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not the documented JSON shape: %v", err)
	}

	// ADDRESS 0.0.0.0 PORT 8080 ... Route: http.8080
	if len(doc.Listeners) != 1 || doc.Listeners[0].Name != "0.0.0.0_8080" ||
		doc.Listeners[0].Address.SocketAddress.Address != "0.0.0.0" || doc.Listeners[0].Address.SocketAddress.PortValue != 8080 {
		t.Fatalf("listeners: want one 0.0.0.0_8080, got %+v", doc.Listeners)
	}
	if len(doc.Routes) != 1 || doc.Routes[0].Name != "http.8080" {
		t.Fatalf("route configurations: want one http.8080, got %d", len(doc.Routes))
	}
	rc := doc.Routes[0]
	if !rc.IgnorePortInHostMatching || rc.ValidateClusters == nil || *rc.ValidateClusters {
		t.Errorf("http.8080: want ignorePortInHostMatching true, validateClusters false")
	}
	if len(rc.VirtualHosts) != 1 {
		t.Fatalf("want one virtual host, got %d", len(rc.VirtualHosts))
	}
	vh := rc.VirtualHosts[0]
	if vh.Name != "simple.baihl.io:80" || len(vh.Domains) != 1 || vh.Domains[0] != "simple.baihl.io" || !vh.IncludeRequestAttemptCount {
		t.Errorf("virtual host: got %q %v", vh.Name, vh.Domains)
	}
	if len(vh.Routes) != 2 {
		t.Fatalf("want 2 routes, got %d", len(vh.Routes))
	}
	r0, r1 := vh.Routes[0], vh.Routes[1]
	if r0.Match.Path != "/simple/httpserver" || r0.Match.CaseSensitive == nil || !*r0.Match.CaseSensitive ||
		r0.Route.Cluster != "outbound|80||simple.simple.svc.cluster.local" || r0.Route.PrefixRewrite != "/hello" {
		t.Errorf("route 0: got %+v", r0)
	}
	if r1.Match.Prefix != "/simple/nginx" || r1.Route.Cluster != "outbound|80||nginx.simple.svc.cluster.local" ||
		r1.Route.PrefixRewrite != "/" || r1.Decorator.Operation != "nginx.simple.svc.cluster.local:80/simple/nginx*" {
		t.Errorf("route 1: got %+v", r1)
	}
}
