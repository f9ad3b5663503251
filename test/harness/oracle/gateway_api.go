package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/schema/collections"
	kubelib "istio.io/istio/pkg/kube"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// Gateway API support: a Gateway of an Istio-managed class (istio) is served by a gateway that
// Istio's deployment controller deploys: Deployment and Service `<gateway>-<class>`, pods labelled
// gateway.networking.k8s.io/gateway-name=<gateway>. The fake server runs no deployment controller,
// so the oracle adds what it would create (kube-gateway.yaml in Istio's charts, and
// extractServicePorts in gatewaycommon/deploymentcontroller.go) and makes a pod of that Deployment
// the proxy. Hand-written stand-in for the deployment controller, like the EndpointSlice one.

// gatewayAPIBundleVersion is the Gateway API release the pinned Istio requires (its go.mod);
// the CRDs `cluster:up` installs from that module carry it as their bundle-version annotation.
const gatewayAPIBundleVersion = "v1.6.0"

const gatewayNameLabel = "gateway.networking.k8s.io/gateway-name"

// managedClassControllers are the GatewayClass controllers whose Gateways get a deployed gateway.
var managedClassControllers = map[string]bool{"istio.io/gateway-controller": true}

// builtinClasses exist in istiod without a GatewayClass object (gatewaycommon.BuiltinGatewayClasses).
var builtinClasses = map[string]string{"istio": "istio.io/gateway-controller"}

// k8sGateway picks the Gateway whose deployed gateway is the proxy: the one named by
// --k8s-gateway, otherwise the first Gateway of a managed class in the input.
func (in *inputs) k8sGateway(name string) (*gatewayv1.Gateway, error) {
	classes := map[string]string{}
	for k, v := range builtinClasses {
		classes[k] = v
	}
	for _, o := range in.kube {
		if c, ok := o.(*gatewayv1.GatewayClass); ok {
			classes[c.Name] = string(c.Spec.ControllerName)
		}
	}
	for _, o := range in.kube {
		gw, ok := o.(*gatewayv1.Gateway)
		if !ok {
			continue
		}
		if name != "" {
			if gw.Namespace+"/"+gw.Name == name {
				return gw, nil
			}
			continue
		}
		if managedClassControllers[classes[string(gw.Spec.GatewayClassName)]] && isManaged(gw) {
			return gw, nil
		}
	}
	if name != "" {
		return nil, fmt.Errorf("--k8s-gateway %s: no Gateway (gateway.networking.k8s.io) %s in the input", name, name)
	}
	return nil, nil
}

// isManaged mirrors gatewaycommon.IsManaged: no address, or one IP address, means Istio deploys it.
func isManaged(gw *gatewayv1.Gateway) bool {
	a := gw.Spec.Addresses
	if len(a) == 0 {
		return true
	}
	if len(a) > 1 {
		return false
	}
	return a[0].Type == nil || *a[0].Type == gatewayv1.IPAddressType
}

// deployedName is `<gateway>-<class>` unless gateway.istio.io/name-override says otherwise.
func deployedName(gw *gatewayv1.Gateway) string {
	if n := gw.Annotations["gateway.istio.io/name-override"]; n != "" {
		return n
	}
	return gw.Name + "-" + string(gw.Spec.GatewayClassName)
}

func deployedLabels(gw *gatewayv1.Gateway) map[string]string {
	return map[string]string{
		"sidecar.istio.io/inject":                      "false",
		"service.istio.io/canonical-name":              deployedName(gw),
		"service.istio.io/canonical-revision":          "latest",
		gatewayNameLabel:                               gw.Name,
		"gateway.networking.k8s.io/gateway-class-name": string(gw.Spec.GatewayClassName),
		"gateway.istio.io/managed":                     "istio.io-gateway-controller",
	}
}

// deployedService mirrors the Service the deployment controller creates: status-port 15021 and one
// port per distinct listener port (named after the listener, targetPort = port), LoadBalancer.
func deployedService(gw *gatewayv1.Gateway) *corev1.Service {
	tcp := "tcp"
	ports := []corev1.ServicePort{{Name: "status-port", Port: 15021, TargetPort: intstr.FromInt32(15021), Protocol: corev1.ProtocolTCP, AppProtocol: &tcp}}
	seen := map[int32]bool{}
	used := map[string]bool{"status-port": true}
	for i, l := range gw.Spec.Listeners {
		if seen[int32(l.Port)] {
			continue
		}
		seen[int32(l.Port)] = true
		// sanitizeListenerNameForPort and uniquePortName in Istio's deploymentcontroller.go
		name := strings.ReplaceAll(string(l.Name), ".", "-")
		if name == "" {
			name = fmt.Sprintf("%s-%d", strings.ToLower(string(l.Protocol)), i)
		}
		if len(name) > 63 {
			name = name[:63]
		}
		candidate := name
		for suffix := fmt.Sprintf("-%d", l.Port); used[candidate]; suffix += "x" {
			trimmed := name
			if len(trimmed)+len(suffix) > 63 {
				trimmed = trimmed[:63-len(suffix)]
			}
			candidate = trimmed + suffix
		}
		name = candidate
		used[name] = true
		app := strings.ToLower(string(l.Protocol))
		ports = append(ports, corev1.ServicePort{Name: name, Port: int32(l.Port), TargetPort: intstr.FromInt32(int32(l.Port)), Protocol: corev1.ProtocolTCP, AppProtocol: &app})
	}
	return &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: deployedName(gw), Namespace: gw.Namespace, Labels: map[string]string{
			gatewayNameLabel: gw.Name, "gateway.networking.k8s.io/gateway-class-name": string(gw.Spec.GatewayClassName),
		}},
		Spec: corev1.ServiceSpec{
			Type:      corev1.ServiceTypeLoadBalancer,
			Selector:  map[string]string{gatewayNameLabel: gw.Name},
			ClusterIP: "10.96.100.200",
			Ports:     ports,
		},
	}
}

// deployedPod is one pod of the deployed gateway's Deployment, holding the proxy's IP.
func deployedPod(gw *gatewayv1.Gateway, name, ip string) *corev1.Pod {
	var cports []corev1.ContainerPort
	for _, l := range gw.Spec.Listeners {
		cports = append(cports, corev1.ContainerPort{ContainerPort: int32(l.Port), Protocol: corev1.ProtocolTCP})
	}
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gw.Namespace, Labels: deployedLabels(gw)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "istio-proxy", Ports: cports}}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			PodIP:      ip,
			PodIPs:     []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
}

// defaultTargetPorts does what the API server's defaulting does: a Service port without
// targetPort targets the same port number.
func defaultTargetPorts(objs []runtime.Object) {
	for _, o := range objs {
		if s, ok := o.(*corev1.Service); ok {
			for i := range s.Spec.Ports {
				p := &s.Spec.Ports[i]
				if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == 0 {
					p.TargetPort = intstr.FromInt32(p.Port)
				}
			}
		}
	}
}

// annotateGatewayAPICRDs gives the fake cluster's Gateway API CRDs the bundle-version annotation
// that the real CRDs carry; without it istiod ignores GRPCRoute (and TLS/TCP routes), see
// kclient.minimumVersionFilter.
func annotateGatewayAPICRDs(c kubelib.Client) {
	fmc, ok := c.Metadata().(*metadatafake.FakeMetadataClient)
	if !ok {
		return
	}
	fmc.PrependReactor("*", "customresourcedefinitions", func(a k8stesting.Action) (bool, runtime.Object, error) {
		var obj runtime.Object
		switch act := a.(type) {
		case k8stesting.CreateAction:
			obj = act.GetObject()
		case k8stesting.UpdateAction:
			obj = act.GetObject()
		}
		if m, ok := obj.(metav1.Object); ok && strings.HasSuffix(m.GetName(), ".gateway.networking.k8s.io") {
			an := m.GetAnnotations()
			if an == nil {
				an = map[string]string{}
			}
			an["gateway.networking.k8s.io/bundle-version"] = gatewayAPIBundleVersion
			m.SetAnnotations(an)
		}
		return false, nil, nil
	})
}

// asWatchedGatewayAPIVersion gives a gateway.networking.k8s.io object the version istiod watches (v1; v1beta1
// for ReferenceGrant), as the API server serves a stored object at every version its CRD serves: a TCPRoute
// applied as v1alpha2 (served by the experimental channel's CRD) is a v1 TCPRoute to istiod. The fake cluster
// keeps each object at the version it was created with, so without this istiod would never see it.
func asWatchedGatewayAPIVersion(d document, gvk schema.GroupVersionKind) ([]byte, error) {
	if gvk.Group != gatewayv1.GroupName {
		return d.raw, nil
	}
	s, ok := collections.All.FindByGroupKind(config.GroupVersionKind{Group: gvk.Group, Kind: gvk.Kind})
	if !ok || s.Version() == gvk.Version {
		return d.raw, nil
	}
	var obj map[string]any
	if err := yaml.Unmarshal(d.raw, &obj); err != nil {
		return nil, fmt.Errorf("%s: %v", d.source, err)
	}
	obj["apiVersion"] = gvk.Group + "/" + s.Version()
	return yaml.Marshal(obj)
}

// warnRefusedCertificates says on stderr why a Gateway API HTTPS/TLS listener yields no config: Istio's
// buildTLS refuses a certificateRef whose Secret is not in the input or whose tls.crt/tls.key is not a key
// pair (InvalidCertificateRef), and then generates nothing for the listener. (ReferenceGrants are Istio's to judge.)
func (in *inputs) warnRefusedCertificates(w io.Writer) {
	secrets := map[string]*corev1.Secret{}
	for _, o := range in.kube {
		if s, ok := o.(*corev1.Secret); ok {
			secrets[s.Namespace+"/"+s.Name] = s
		}
	}
	for _, o := range in.kube {
		gw, ok := o.(*gatewayv1.Gateway)
		if !ok {
			continue
		}
		for _, l := range gw.Spec.Listeners {
			if l.TLS == nil {
				continue
			}
			for _, ref := range l.TLS.CertificateRefs {
				if ref.Kind != nil && *ref.Kind != "Secret" {
					continue
				}
				ns := gw.Namespace
				if ref.Namespace != nil {
					ns = string(*ref.Namespace)
				}
				key := ns + "/" + string(ref.Name)
				s := secrets[key]
				why := ""
				if s == nil {
					why = "is not in the input"
				} else if _, err := tls.X509KeyPair(s.Data["tls.crt"], s.Data["tls.key"]); err != nil {
					why = fmt.Sprintf("holds no valid key pair in tls.crt/tls.key (%v)", err)
				}
				if why != "" {
					fmt.Fprintf(w, "oracle: warning: Gateway %s/%s listener %s: Secret %s %s; Istio refuses the certificateRef (InvalidCertificateRef) and generates nothing for a listener without a valid one\n",
						gw.Namespace, gw.Name, l.Name, key, why)
				}
			}
		}
	}
}
