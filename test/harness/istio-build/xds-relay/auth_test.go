package main

import "testing"

func TestPodOf(t *testing.T) {
	ip, pod, ns, err := podOf("router~10.244.0.5~istio-ingressgateway-7d9f-x2.istio-system~istio-system.svc.cluster.local")
	if err != nil || ip != "10.244.0.5" || pod != "istio-ingressgateway-7d9f-x2" || ns != "istio-system" {
		t.Fatalf("got %q %q %q %v", ip, pod, ns, err)
	}
	for _, bad := range []string{
		"",
		"router~10.244.0.5~nopod~x",
		"router~not-an-ip~p.ns~x",
		"router~10.244.0.5~../../etc.ns~x",
		"router~10.244.0.5~p./~x",
	} {
		if _, _, _, err := podOf(bad); err == nil {
			t.Errorf("podOf(%q) accepted", bad)
		}
	}
}
