// Command oracle prints the Envoy configuration that Istio's own control plane code (istiod's
// config generator, run in-process through istio.io/istio/pilot/test/xds.FakeDiscoveryServer)
// pushes to the istio-ingressgateway proxy for the YAML files given on the command line.
//
// It is the project's reference for the offline route prediction (src/istio): whatever this
// prints is, by construction, what the pinned Istio version generates.
//
// Usage: oracle [flags] FILE...   (FILE "-" reads stdin)
// Output (stdout): {"listeners":[...],"routes":[...],"clusters":[...],"endpoints":[...]}
// in Envoy's proto3 JSON (camelCase field names, like `istioctl proxy-config ... -o json`).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"istio.io/istio/pkg/log"
	"istio.io/istio/pkg/test"
)

func main() {
	os.Exit(run())
}

func usage() {
	fmt.Fprintf(os.Stderr, `usage: oracle [flags] FILE...

Reads Kubernetes/Istio YAML (VirtualService, Gateway, DestinationRule, ServiceEntry, Service,
Pod, EndpointSlice, Gateway API Gateway/HTTPRoute/GRPCRoute/ReferenceGrant/GatewayClass, ... also
"kind: List" as printed by kubectl get -o yaml) and prints, as JSON, the listeners, route
configurations, clusters and endpoints that Istio generates for the ingress gateway proxy (for the
deployed gateway of a Gateway API Gateway of class istio when the input has one). FILE "-" reads
standard input.

flags:
`)
	flag.PrintDefaults()
}

func run() int {
	opts := options{}
	flag.StringVar(&opts.gatewayIP, "gateway-ip", "10.244.0.5", "IP of the ingress gateway pod (the proxy)")
	flag.StringVar(&opts.gatewayNamespace, "gateway-namespace", "istio-system", "namespace of the ingress gateway Service and pod")
	flag.StringVar(&opts.gatewayPodName, "gateway-pod", "istio-ingressgateway-oracle", "name of the gateway pod to synthesize when the input has no pod with --gateway-ip")
	flag.StringVar(&opts.proxyVersion, "proxy-version", defaultProxyVersion, "Istio version the gateway proxy reports (affects version-gated output)")
	flag.BoolVar(&opts.noDefaultGateway, "no-default-gateway", false, "do not add the default istio-ingressgateway Service/pod when the input lacks them")
	flag.BoolVar(&opts.noEndpointSlices, "no-synthesized-endpointslices", false, "do not synthesize EndpointSlices for Services whose Pods are given without slices")
	flag.StringVar(&opts.meshConfigFile, "mesh-config", meshDefaultInstall,
		"mesh config: a YAML file (the istio ConfigMap's `mesh` key), \""+meshDefaultInstall+"\" (the default profile's, embedded from mesh-default-install.yaml) or \""+meshBuiltin+"\" (Istio's compiled-in defaults, FakeDiscoveryServer's own choice); without the flag, the `mesh` key of the input's ConfigMap istio-system/istio when it has one, else "+meshDefaultInstall)
	flag.StringVar(&opts.k8sGateway, "k8s-gateway", "", "namespace/name of the Gateway API Gateway whose deployed gateway is the proxy (default: the first Gateway of class istio in the input, if any)")
	flag.BoolVar(&opts.verbose, "v", false, "print Istio's own logs (warnings) on stderr")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() == 0 {
		usage()
		return 2
	}
	opts.files = flag.Args()
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "gateway-pod" {
			opts.gatewayPodSet = true
		}
		if f.Name == "mesh-config" {
			opts.meshConfigSet = true
		}
	})

	configureLogging(opts.verbose)

	in, err := loadInputs(opts.files)
	if err != nil {
		fmt.Fprintf(os.Stderr, "oracle: %v\n", err)
		return 1
	}
	if err := in.complete(&opts); err != nil {
		fmt.Fprintf(os.Stderr, "oracle: %v\n", err)
		return 1
	}
	in.warnRefusedCertificates(os.Stderr)

	var out []byte
	start := time.Now()
	err = test.Wrap(func(t test.Failer) {
		out = generate(t, in, opts)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "oracle: Istio's config generation failed: %v\n", err)
		return 1
	}
	if opts.verbose {
		fmt.Fprintf(os.Stderr, "oracle: generated in %v\n", time.Since(start))
	}
	if _, err := os.Stdout.Write(out); err != nil {
		fmt.Fprintf(os.Stderr, "oracle: writing output: %v\n", err)
		return 1
	}
	return 0
}

// configureLogging keeps stdout for the JSON: Istio's logger writes to stdout by default.
func configureLogging(verbose bool) {
	o := log.DefaultOptions()
	o.OutputPaths = []string{"stderr"}
	o.ErrorOutputPaths = []string{"stderr"}
	level := log.NoneLevel
	if verbose {
		level = log.WarnLevel
	}
	for _, s := range log.Scopes() {
		o.SetDefaultOutputLevel(s.Name(), level)
	}
	o.SetDefaultOutputLevel(log.DefaultScopeName, level)
	_ = log.Configure(o)
}

type options struct {
	files            []string
	gatewayIP        string
	gatewayNamespace string
	gatewayPodName   string
	gatewayPodSet    bool
	k8sGateway       string
	proxyVersion     string
	noDefaultGateway bool
	noEndpointSlices bool
	meshConfigFile   string
	meshConfigSet    bool
	// meshConfigYAML is the `mesh` key of the input's istio ConfigMap (istio-system/istio), when it has one
	// and --mesh-config is not given: what istiod reads in a real cluster.
	meshConfigYAML string
	verbose        bool
}

func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	return data, nil
}
