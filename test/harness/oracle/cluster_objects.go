package main

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// gatewayLabels are the labels of Istio's default-profile ingress gateway (Service selector and pod).
var gatewayLabels = map[string]string{"app": "istio-ingressgateway", "istio": "ingressgateway"}

// defaultGatewayService mirrors the istio-ingressgateway Service that `istioctl install`
// (default profile) creates: ports status-port 15021, http2 80->8080, https 443->8443.
func defaultGatewayService(ns string) *corev1.Service {
	tcp := corev1.ProtocolTCP
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "istio-ingressgateway", Namespace: ns, Labels: copyMap(gatewayLabels)},
		Spec: corev1.ServiceSpec{
			Type:      corev1.ServiceTypeLoadBalancer,
			Selector:  copyMap(gatewayLabels),
			ClusterIP: "10.96.100.100",
			Ports: []corev1.ServicePort{
				{Name: "status-port", Port: 15021, TargetPort: intstr.FromInt32(15021), Protocol: tcp},
				{Name: "http2", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: tcp},
				{Name: "https", Port: 443, TargetPort: intstr.FromInt32(8443), Protocol: tcp},
			},
		},
	}
}

// defaultGatewayPod is the gateway proxy's own pod: Istio finds the proxy's Service (and so the
// 80 -> 8080 targetPort that names the listener) through the pod holding the proxy's IP.
func defaultGatewayPod(ns, name, ip string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: copyMap(gatewayLabels)},
		Spec: corev1.PodSpec{
			// No nodeName: there is no Node object to go with it (Istio would warn while looking up locality).
			Containers: []corev1.Container{{
				Name: "istio-proxy",
				Ports: []corev1.ContainerPort{
					{Name: "http-envoy-prom", ContainerPort: 15090, Protocol: corev1.ProtocolTCP},
					{ContainerPort: 15021, Protocol: corev1.ProtocolTCP},
					{ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
					{ContainerPort: 8443, Protocol: corev1.ProtocolTCP},
				},
			}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			PodIP:      ip,
			PodIPs:     []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
}

// synthesizeEndpointSlices plays the part of kube-controller-manager's EndpointSlice controller,
// which the fake Kubernetes client behind FakeDiscoveryServer lacks: for every Service with a
// selector and no EndpointSlice in the input, it makes one slice listing the matching running
// Pods' IPs with the Service's target ports. Input from a real cluster should carry the real
// slices (kubectl get endpointslices -A -o yaml); then nothing is synthesized for those Services.
func synthesizeEndpointSlices(objs []runtime.Object) []runtime.Object {
	hasSlice := map[string]bool{}
	var pods []*corev1.Pod
	var services []*corev1.Service
	for _, o := range objs {
		switch v := o.(type) {
		case *discoveryv1.EndpointSlice:
			hasSlice[v.Namespace+"/"+v.Labels[discoveryv1.LabelServiceName]] = true
		case *corev1.Pod:
			pods = append(pods, v)
		case *corev1.Service:
			services = append(services, v)
		}
	}
	var out []runtime.Object
	for _, svc := range services {
		if len(svc.Spec.Selector) == 0 || hasSlice[svc.Namespace+"/"+svc.Name] {
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		var matched []*corev1.Pod
		for _, p := range pods {
			if p.Namespace == svc.Namespace && sel.Matches(labels.Set(p.Labels)) && p.Status.PodIP != "" &&
				p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
				matched = append(matched, p)
			}
		}
		if len(matched) == 0 {
			continue
		}
		out = append(out, endpointSliceFor(svc, matched))
	}
	return out
}

func endpointSliceFor(svc *corev1.Service, pods []*corev1.Pod) *discoveryv1.EndpointSlice {
	slice := &discoveryv1.EndpointSlice{
		TypeMeta: metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      svc.Name + "-oracle",
			Namespace: svc.Namespace,
			Labels: map[string]string{
				discoveryv1.LabelServiceName: svc.Name,
				discoveryv1.LabelManagedBy:   "endpointslice-controller.k8s.io",
			},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for _, sp := range svc.Spec.Ports {
		name := sp.Name
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		port := targetPortNumber(sp, pods[0])
		slice.Ports = append(slice.Ports, discoveryv1.EndpointPort{
			Name: &name, Protocol: &proto, Port: &port, AppProtocol: sp.AppProtocol,
		})
	}
	for _, p := range pods {
		ready := podReady(p)
		nodeName := p.Spec.NodeName
		ep := discoveryv1.Endpoint{
			Addresses:  []string{p.Status.PodIP},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &ready},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
		}
		if nodeName != "" {
			ep.NodeName = &nodeName
		}
		slice.Endpoints = append(slice.Endpoints, ep)
	}
	return slice
}

// targetPortNumber resolves a Service port's targetPort (number, container port name, or unset).
func targetPortNumber(sp corev1.ServicePort, pod *corev1.Pod) int32 {
	switch {
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal {
					return cp.ContainerPort
				}
			}
		}
		return sp.Port
	case sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	default:
		return sp.Port
	}
}

// podReady: a pod given without conditions counts as ready (hand-written inputs rarely set them).
func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return true
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
