package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/config/schema/resource"
	kubelib "istio.io/istio/pkg/kube"
)

// domainSuffix is what a real istiod's Kubernetes config store stamps on every config
// (config.Meta.Domain). Without it, short destination hosts ("simple") would not expand to
// "simple.<ns>.svc.cluster.local"; FakeOptions.ConfigString leaves it empty, hence our own parsing.
const domainSuffix = "cluster.local"

// creationBase is the creation time given to Istio configs without metadata.creationTimestamp.
// Istio orders VirtualServices (and Gateways) by creation time, then name; configs without a
// timestamp get base + 1s per position in the input, so input order is creation order.
var creationBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type inputs struct {
	configs []config.Config
	kube    []runtime.Object
}

type document struct {
	source string // "file.yaml#3" for messages
	raw    []byte
}

func loadInputs(files []string) (*inputs, error) {
	var docs []document
	for _, f := range files {
		var data []byte
		var err error
		if f == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %v", f, err)
		}
		d, err := splitDocuments(f, data)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
	}
	in := &inputs{}
	for i, d := range docs {
		if err := in.add(d, i); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// splitDocuments splits a YAML stream into objects, expanding "kind: List".
func splitDocuments(name string, data []byte) ([]document, error) {
	var out []document
	dec := kubeyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for n := 1; ; n++ {
		var obj map[string]any
		err := dec.Decode(&obj)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d is not valid YAML: %v", name, n, err)
		}
		if len(obj) == 0 {
			continue
		}
		src := fmt.Sprintf("%s (document %d)", name, n)
		if kind, _ := obj["kind"].(string); kind == "List" || (len(kind) > 4 && kind[len(kind)-4:] == "List") {
			items, _ := obj["items"].([]any)
			for j, it := range items {
				b, err := yaml.Marshal(it)
				if err != nil {
					return nil, fmt.Errorf("%s item %d: %v", src, j, err)
				}
				out = append(out, document{source: fmt.Sprintf("%s item %d", src, j), raw: b})
			}
			continue
		}
		b, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", src, err)
		}
		out = append(out, document{source: src, raw: b})
	}
	return out, nil
}

func (in *inputs) add(d document, position int) error {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(d.raw, &meta); err != nil {
		return fmt.Errorf("%s: %v", d.source, err)
	}
	if meta.APIVersion == "" || meta.Kind == "" {
		return fmt.Errorf("%s: missing apiVersion or kind; every document must be a Kubernetes object", d.source)
	}
	gvk := meta.GroupVersionKind()
	if s, ok := collections.Pilot.FindByGroupVersionAliasesKind(resource.FromKubernetesGVK(&gvk)); ok {
		return in.addConfig(d, s, position)
	}
	raw, err := asWatchedGatewayAPIVersion(d, gvk)
	if err != nil {
		return err
	}
	obj, _, err := kubelib.IstioCodec.UniversalDeserializer().Decode(raw, nil, nil)
	if err != nil {
		return fmt.Errorf("%s: cannot read %s %s: %v", d.source, meta.APIVersion, meta.Kind, err)
	}
	// kubectl apply puts namespaced objects without a namespace into "default"; so do we.
	if m, ok := obj.(metav1.Object); ok && m.GetNamespace() == "" && !clusterScopedKinds[meta.Kind] {
		m.SetNamespace("default")
	}
	// The API server gives every object a UID; Istio tells BackendTLSPolicies apart by it (btlsIsConflicted skips
	// the one with its own UID, so without UIDs no policy would ever conflict with another).
	if m, ok := obj.(metav1.Object); ok && m.GetUID() == "" && gvk.Group == gatewayv1.GroupName {
		m.SetUID(types.UID("oracle-" + meta.Kind + "-" + m.GetNamespace() + "-" + m.GetName()))
	}
	in.kube = append(in.kube, obj)
	return nil
}

func (in *inputs) addConfig(d document, s resource.Schema, position int) error {
	var obj crd.IstioKind
	if err := yaml.Unmarshal(d.raw, &obj); err != nil {
		return fmt.Errorf("%s: %v", d.source, err)
	}
	if obj.Namespace == "" {
		obj.Namespace = "default"
	}
	if obj.CreationTimestamp.IsZero() {
		obj.CreationTimestamp = metav1.NewTime(creationBase.Add(time.Duration(position) * time.Second))
	}
	cfg, err := crd.ConvertObject(s, &obj, domainSuffix)
	if err != nil {
		return fmt.Errorf("%s: %s %s/%s: %v", d.source, obj.Kind, obj.Namespace, obj.Name, err)
	}
	if _, err := s.ValidateConfig(*cfg); err != nil {
		return fmt.Errorf("%s: %s %s/%s is invalid (Istio's validation would reject it): %v", d.source, obj.Kind, obj.Namespace, obj.Name, err)
	}
	in.configs = append(in.configs, *cfg)
	return nil
}

// complete adds what a real cluster would have but the input may lack: the ingress gateway
// Service and pod of Istio's default profile, and EndpointSlices for Services whose Pods were given.
func (in *inputs) complete(o *options) error {
	defaultTargetPorts(in.kube)
	if cm := in.meshConfigMap(); cm != nil && !o.meshConfigSet {
		mesh, ok := cm.Data["mesh"]
		if !ok {
			return fmt.Errorf("ConfigMap %s/%s has no `mesh` key: istiod reads its mesh config from there", cm.Namespace, cm.Name)
		}
		o.meshConfigYAML = mesh
	}
	gw, err := in.k8sGateway(o.k8sGateway)
	if err != nil {
		return err
	}
	if gw != nil && !o.noDefaultGateway {
		// The proxy is a pod of the Deployment Istio deploys for this Gateway, in its namespace.
		o.gatewayNamespace = gw.Namespace
		if !o.gatewayPodSet {
			o.gatewayPodName = deployedName(gw) + "-oracle"
		}
		if in.service(gw.Namespace, deployedName(gw)) == nil {
			in.kube = append(in.kube, deployedService(gw))
		}
		if in.podWithIP(o.gatewayIP) == nil {
			in.kube = append(in.kube, deployedPod(gw, o.gatewayPodName, o.gatewayIP))
		}
	} else if !o.noDefaultGateway {
		if in.service(o.gatewayNamespace, "istio-ingressgateway") == nil {
			in.kube = append(in.kube, defaultGatewayService(o.gatewayNamespace))
		}
		if in.podWithIP(o.gatewayIP) == nil {
			in.kube = append(in.kube, defaultGatewayPod(o.gatewayNamespace, o.gatewayPodName, o.gatewayIP))
		}
	}
	if !o.noEndpointSlices {
		in.kube = append(in.kube, synthesizeEndpointSlices(in.kube)...)
	}
	return nil
}

// meshConfigMap is the ConfigMap istiod reads its mesh config from (`istio` in its own namespace, istio-system),
// when the input holds it.
func (in *inputs) meshConfigMap() *corev1.ConfigMap {
	for _, o := range in.kube {
		if c, ok := o.(*corev1.ConfigMap); ok && c.Namespace == istiodNamespace && c.Name == "istio" {
			return c
		}
	}
	return nil
}

func (in *inputs) service(ns, name string) *corev1.Service {
	for _, o := range in.kube {
		if s, ok := o.(*corev1.Service); ok && s.Namespace == ns && s.Name == name {
			return s
		}
	}
	return nil
}

func (in *inputs) podWithIP(ip string) *corev1.Pod {
	for _, o := range in.kube {
		if p, ok := o.(*corev1.Pod); ok && p.Status.PodIP == ip {
			return p
		}
	}
	return nil
}

// gatewayPod returns the pod that is the proxy: the one holding the gateway IP.
func (in *inputs) gatewayPod(ip string) *corev1.Pod { return in.podWithIP(ip) }

var clusterScopedKinds = map[string]bool{"Namespace": true, "Node": true, "GatewayClass": true}
