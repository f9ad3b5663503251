package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// TestWarnsOfRefusedCertificates: a listener whose Secret is missing or holds no key pair yields no config from
// Istio, and the oracle says which listener and Secret on stderr; the corpus's real key pairs draw no warning.
func TestWarnsOfRefusedCertificates(t *testing.T) {
	files, _ := filepath.Glob("../../corpus/gwapi-https-invalid-cert/*.yaml")
	in, err := loadInputs(files)
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	in.warnRefusedCertificates(&w)
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 warnings (listeners missing and one-of-two, Secret simple/no-such-cert), got:\n%s", w.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, "Secret simple/no-such-cert is not in the input") {
			t.Errorf("unexpected warning %q", l)
		}
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: simple}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    tls:
      certificateRefs:
      - name: cert
---
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: simple}
type: kubernetes.io/tls
data: {tls.crt: SGVsbG8=, tls.key: SGVsbG8=}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err = loadInputs([]string{bad})
	if err != nil {
		t.Fatal(err)
	}
	w.Reset()
	in.warnRefusedCertificates(&w)
	if !strings.Contains(w.String(), "listener https: Secret simple/cert holds no valid key pair") {
		t.Errorf("no key-pair warning: %q", w.String())
	}

	files, _ = filepath.Glob("../../corpus/gwapi-https/*.yaml")
	if in, err = loadInputs(files); err != nil {
		t.Fatal(err)
	}
	w.Reset()
	in.warnRefusedCertificates(&w)
	if w.Len() != 0 {
		t.Errorf("valid key pairs warned: %s", w.String())
	}
}

// TestGatewayAPIObjectsAtTheWatchedVersion: a v1alpha2 TCPRoute is handed to istiod as v1, the version it watches.
func TestGatewayAPIObjectsAtTheWatchedVersion(t *testing.T) {
	files, _ := filepath.Glob("../../corpus/gwapi-tcp/*.yaml")
	in, err := loadInputs(files)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range in.kube {
		if r, ok := o.(*gatewayv1.TCPRoute); ok {
			n++
			if r.Name == "zero" && len(r.Spec.Rules) != 1 {
				t.Errorf("TCPRoute zero lost its rules: %+v", r.Spec)
			}
		}
	}
	if n != 2 {
		t.Fatalf("want both TCPRoutes (v1 and v1alpha2) as v1 objects, got %d", n)
	}
}
