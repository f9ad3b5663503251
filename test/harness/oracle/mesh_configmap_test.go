package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMeshConfigFromConfigMap: an input holding ConfigMap istio-system/istio gives its `mesh` key as the mesh config
// (what istiod reads in a cluster), unless --mesh-config is given; its extension providers reach the mesh config.
func TestMeshConfigFromConfigMap(t *testing.T) {
	files, err := filepath.Glob("../../corpus/authz-custom-grpc/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus case authz-custom-grpc not found: %v", err)
	}
	load := func(o *options) {
		in, err := loadInputs(files)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.complete(o); err != nil {
			t.Fatal(err)
		}
	}
	o := options{gatewayIP: "10.244.0.5", gatewayNamespace: "istio-system", meshConfigFile: meshDefaultInstall}
	load(&o)
	if !strings.Contains(o.meshConfigYAML, "ext-authz-grpc") {
		t.Fatalf("the ConfigMap's mesh key was not taken: %q", o.meshConfigYAML)
	}
	m, err := loadMeshConfig(o.meshConfigFile, o.meshConfigYAML)
	if err != nil {
		t.Fatal(err)
	}
	// istiod's defaults (prometheus, stackdriver, envoy) come first, the ConfigMap's providers after them
	var names []string
	for _, p := range m.GetExtensionProviders() {
		names = append(names, p.GetName())
	}
	providers := m.GetExtensionProviders()
	if !strings.HasSuffix(strings.Join(names, ","), ",ext-authz-http,ext-authz-grpc") {
		t.Fatalf("extension providers %v", names)
	}
	if got := providers[len(providers)-1].GetEnvoyExtAuthzGrpc().GetTimeout().AsDuration().String(); got != "500ms" {
		t.Fatalf("gRPC provider timeout %s", got)
	}
	explicit := options{gatewayIP: "10.244.0.5", gatewayNamespace: "istio-system", meshConfigFile: meshBuiltin, meshConfigSet: true}
	load(&explicit)
	if explicit.meshConfigYAML != "" {
		t.Fatal("--mesh-config given: the ConfigMap must not override it")
	}
}
