package main

// The relay's upstream as a gateway pod's pilot-agent has it: istiod's TLS xDS port (15012), the server
// checked against the mesh's root certificate (the istio-ca-root-cert ConfigMap the pod mounts) and the
// name istiod.istio-system.svc, and the pod's own service account token for audience istio-ca (the
// projected istio-token volume) as a bearer token on the stream. istiod's KubeJWTAuthenticator checks the
// token with a TokenReview; only then does the proxy get a VerifiedIdentity, which istiod's SDS
// (pilot/pkg/xds/sds.go) requires before it serves any kubernetes:// credentialName secret.
//
// The files are what the kubelet writes into the pod; here backends.sh (the kubelet's stand-in) writes
// them to <pod-dir>/<namespace>.<pod>/{istio-token,root-cert.pem}. Which pod a stream belongs to comes
// from the node id of Envoy's first request (router~<pod IP>~<pod>.<ns>~...), and the stream must come
// from that pod's IP, so one pod cannot borrow another's token.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

type secureUpstream struct {
	addr       string
	podDir     string
	serverName string
}

var dnsName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

// podOf reads the pod's IP, name and namespace from an Istio proxy node id.
func podOf(nodeID string) (ip, pod, ns string, err error) {
	parts := strings.Split(nodeID, "~")
	if len(parts) != 4 {
		return "", "", "", fmt.Errorf("node id %q is not type~ip~pod.namespace~domain", nodeID)
	}
	i := strings.LastIndex(parts[2], ".")
	if i <= 0 || net.ParseIP(parts[1]) == nil {
		return "", "", "", fmt.Errorf("node id %q is not type~ip~pod.namespace~domain", nodeID)
	}
	pod, ns = parts[2][:i], parts[2][i+1:]
	if !dnsName.MatchString(pod) || !dnsName.MatchString(ns) {
		return "", "", "", fmt.Errorf("node id %q: pod or namespace is not a Kubernetes name", nodeID)
	}
	return parts[1], pod, ns, nil
}

// bearerToken re-reads the token file on every stream, as pilot-agent re-reads the projected token.
type bearerToken struct{ file string }

func (b bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	t, err := os.ReadFile(b.file)
	if err != nil {
		return nil, fmt.Errorf("reading the pod's token: %w", err)
	}
	return map[string]string{"authorization": "Bearer " + strings.TrimSpace(string(t))}, nil
}

func (bearerToken) RequireTransportSecurity() bool { return true }

// dial opens a connection to istiod's TLS port with the credentials of the pod the node id names.
// It returns the connection and, for the log, who it authenticates as (never the token).
func (s *secureUpstream) dial(ctx context.Context, nodeID string) (*grpc.ClientConn, string, error) {
	ip, pod, ns, err := podOf(nodeID)
	if err != nil {
		return nil, "", err
	}
	if p, ok := peer.FromContext(ctx); ok {
		host, _, _ := net.SplitHostPort(p.Addr.String())
		if host != ip {
			return nil, "", fmt.Errorf("node %s claims pod IP %s but connects from %s", nodeID, ip, host)
		}
	}
	dir := filepath.Join(s.podDir, ns+"."+pod)
	tokenFile := filepath.Join(dir, "istio-token")
	if _, err := os.Stat(tokenFile); err != nil {
		return nil, "", fmt.Errorf("pod %s/%s has no service account token (%s): %v", ns, pod, tokenFile, err)
	}
	root, err := os.ReadFile(filepath.Join(dir, "root-cert.pem"))
	if err != nil {
		return nil, "", fmt.Errorf("pod %s/%s has no mesh root certificate: %v", ns, pod, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(root) {
		return nil, "", fmt.Errorf("pod %s/%s: %s holds no PEM certificate", ns, pod, filepath.Join(dir, "root-cert.pem"))
	}
	creds := credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: s.serverName, MinVersion: tls.VersionTLS12})
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(creds), grpc.WithPerRPCCredentials(bearerToken{tokenFile}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(maxMsg)))
	if err != nil {
		return nil, "", err
	}
	return conn, fmt.Sprintf("pod %s/%s (its istio-ca token; istiod verified as %s)", ns, pod, s.serverName), nil
}
