// Command analyze-oracle runs Istio's own analyzers (istioctl analyze's, from istio.io/istio at the pinned
// version) on YAML files and prints the messages as JSON. It is the reference the differential test
// (test/unit/istio-analyze-oracle.test.ts) holds src/istio/analyze.ts against.
//
// It analyzes the files the way istioctl analyze sees a cluster that holds exactly these objects: Services
// and Pods are read from the files (istioctl --use-kube=false would drop them and skip the analyzers that
// need them), every Deployment also stands for one running Pod with its template's labels, annotations and
// containers, and istioctl's offline default ingress gateway (pod + Service in istio-system) is added unless
// the files define that Service. A --namespace of "" analyzes and prints every namespace (istioctl -A).
//
// Usage: analyze-oracle [--namespace NS] FILE...
// Output: [{"code","level","origin","reference","message","string"}...], istioctl's order.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"

	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/local"
	"istio.io/istio/pkg/config/resource"
	"istio.io/istio/pkg/log"
)

func main() {
	namespace := flag.String("namespace", "default", "namespace of objects that name none; only their messages are printed (istioctl -n)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: analyze-oracle [--namespace NS] FILE...")
		os.Exit(2)
	}
	// Istio logs to stderr by default; the JSON on stdout is all the test reads.
	for _, s := range log.Scopes() {
		s.SetOutputLevel(log.NoneLevel)
	}

	sa := local.NewSourceAnalyzer(analyzers.AllCombined(), resource.Namespace(*namespace), resource.Namespace("istio-system"), nil)
	var readers []local.ReaderSource
	var pods bytes.Buffer
	definesIngress := false
	for _, f := range flag.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		readers = append(readers, local.ReaderSource{Name: f, Reader: bytes.NewReader(b)})
		if podsForDeployments(b, *namespace, &pods) {
			definesIngress = true
		}
	}
	if pods.Len() > 0 {
		readers = append(readers, local.ReaderSource{Name: "pods-of-deployments", Reader: &pods})
	}
	// The test reader keeps Services and Pods (runtime resources) that the plain file reader drops; the
	// first call decides which kinds the file source holds, so it comes before the defaults.
	if err := sa.AddTestReaderKubeSource(nil); err != nil {
		fmt.Fprintln(os.Stderr, "file source:", err)
		os.Exit(2)
	}
	// istioctl's offline default ingress (pod + Service istio-system/istio-ingressgateway), unless the
	// files define that Service themselves.
	if !definesIngress {
		if err := sa.AddDefaultResources(); err != nil {
			fmt.Fprintln(os.Stderr, "default resources:", err)
			os.Exit(2)
		}
	}
	if err := sa.AddTestReaderKubeSource(readers); err != nil {
		fmt.Fprintln(os.Stderr, "reading files:", err)
		os.Exit(2)
	}
	cancel := make(chan struct{})
	result, err := sa.Analyze(cancel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "analyze:", err)
		os.Exit(2)
	}
	out := []map[string]any{}
	for _, m := range result.Messages {
		u := m.Unstructured(true)
		u["string"] = m.String()
		out = append(out, u)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

// podsForDeployments writes one Pod per Deployment: labels, annotations and containers of the pod template, in
// the Deployment's namespace.
// It returns whether the documents define the Service istio-system/istio-ingressgateway.
func podsForDeployments(b []byte, defaultNamespace string, out *bytes.Buffer) bool {
	definesIngress := false
	for _, doc := range strings.Split("\n"+string(b), "\n---") {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
			Spec struct {
				Template struct {
					Metadata struct {
						Labels      map[string]string `json:"labels"`
						Annotations map[string]string `json:"annotations"`
					} `json:"metadata"`
					Spec struct {
						Containers     []any `json:"containers"`
						InitContainers []any `json:"initContainers"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if yaml.Unmarshal([]byte(doc), &obj) != nil {
			continue
		}
		if obj.Kind == "Service" && obj.Metadata.Name == "istio-ingressgateway" && obj.Metadata.Namespace == "istio-system" {
			definesIngress = true
		}
		if obj.Kind != "Deployment" {
			continue
		}
		ns := obj.Metadata.Namespace
		if ns == "" {
			ns = defaultNamespace
		}
		// The pod's containers and annotations are the template's (whether the pod is in the mesh hangs on them);
		// a template without containers gets one, as a pod must have.
		spec := map[string]any{"containers": obj.Spec.Template.Spec.Containers}
		if len(obj.Spec.Template.Spec.Containers) == 0 {
			spec["containers"] = []any{map[string]any{"name": "main", "image": "example"}}
		}
		if len(obj.Spec.Template.Spec.InitContainers) > 0 {
			spec["initContainers"] = obj.Spec.Template.Spec.InitContainers
		}
		metadata := map[string]any{"name": obj.Metadata.Name + "-pod", "namespace": ns, "labels": obj.Spec.Template.Metadata.Labels}
		if len(obj.Spec.Template.Metadata.Annotations) > 0 {
			metadata["annotations"] = obj.Spec.Template.Metadata.Annotations
		}
		pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
		j, _ := json.Marshal(pod)
		out.WriteString("---\n")
		out.Write(j)
		out.WriteString("\n")
	}
	return definesIngress
}
