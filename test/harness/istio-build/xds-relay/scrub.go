package main

import (
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
)

// What the STAND-IN relay removes from istiod's responses, and nothing more:
//   - an extension entry (an element of a repeated field that carries typed_config or
//     config_discovery: HTTP/network/listener filters, access loggers, ...) whose type upstream
//     Envoy does not have (not registered by upstream_types.gen.go: Istio's own types such as
//     istio.alpn's, io.istio.* peer metadata, the stats plugin, and contrib types), whose name is
//     istio.*, whose type is wasm, or that is delivered by ECDS (config_discovery);
//   - a typed_per_filter_config entry of such a type or for an istio.* filter;
//   - a transport socket (or transport_socket_matches entry) that needs the istio-agent's local SDS
//     server (cluster "sds-grpc"): istio-proxy's bootstrap has it, upstream Envoy here has no agent.
// Everything else, including the resource names, versions and nonces, passes unchanged.

// agentSdsCluster is the istio-agent's SDS cluster in istio-proxy's bootstrap.
const agentSdsCluster = "sds-grpc"

// removal records what was removed, for the relay's log ("where: name (type)").
type removal struct {
	where, name, typeURL string
}

type scrubber struct {
	types   *protoregistry.Types
	removed []removal
}

// upstreamType reports whether upstream Envoy knows the message type of an Any.
func (s *scrubber) upstreamType(typeURL string) bool {
	if isIstioOnlyTypeURL(typeURL) {
		return false
	}
	_, err := s.types.FindMessageByURL(typeURL)
	return err == nil
}

func isIstioOnlyTypeURL(typeURL string) bool {
	t := strings.ToLower(typeURL)
	return strings.Contains(t, "istio") || strings.Contains(t, ".wasm.")
}

// typedStructInner returns the wrapped type URL of a TypedStruct (xds.type.v3 / udpa.type.v1).
func typedStructInner(m protoreflect.Message) (string, bool) {
	name := string(m.Descriptor().FullName())
	if name != "xds.type.v3.TypedStruct" && name != "udpa.type.v1.TypedStruct" {
		return "", false
	}
	fd := m.Descriptor().Fields().ByName("type_url")
	return m.Get(fd).String(), true
}

// loadable reports whether upstream Envoy can load the extension in an Any (also through a TypedStruct).
func (s *scrubber) loadable(a *anypb.Any) bool {
	if !s.upstreamType(a.GetTypeUrl()) {
		return false
	}
	mt, _ := s.types.FindMessageByURL(a.GetTypeUrl())
	m := mt.New().Interface()
	if err := proto.Unmarshal(a.GetValue(), m); err != nil {
		return true // pass what cannot be read unchanged; Envoy reports it
	}
	if inner, ok := typedStructInner(m.ProtoReflect()); ok && !s.upstreamType(inner) {
		return false
	}
	return true
}

// scrubAny scrubs the message inside a loadable Any in place; returns whether it changed.
func (s *scrubber) scrubAny(a *anypb.Any, where string) bool {
	mt, err := s.types.FindMessageByURL(a.GetTypeUrl())
	if err != nil {
		return false
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(a.GetValue(), m); err != nil {
		return false
	}
	if !s.scrubMessage(m.ProtoReflect(), where) {
		return false
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return false
	}
	a.Value = b
	return true
}

func asAny(m protoreflect.Message) (*anypb.Any, bool) {
	if m.Descriptor().FullName() != "google.protobuf.Any" {
		return nil, false
	}
	a, ok := m.Interface().(*anypb.Any)
	return a, ok
}

func stringField(m protoreflect.Message, name protoreflect.Name) string {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return ""
	}
	return m.Get(fd).String()
}

// dropEntry decides whether an element of a repeated message field is an extension upstream
// Envoy cannot load. Elements without typed_config/config_discovery are never dropped by name.
func (s *scrubber) dropEntry(m protoreflect.Message, where string) bool {
	fields := m.Descriptor().Fields()
	name := stringField(m, "name")
	if fd := fields.ByName("config_discovery"); fd != nil && m.Has(fd) {
		s.removed = append(s.removed, removal{where, name, "ECDS (config_discovery)"})
		return true
	}
	fd := fields.ByName("typed_config")
	if fd == nil || fd.Message() == nil || fd.Message().FullName() != "google.protobuf.Any" {
		// transport_socket_matches entries: drop those needing the agent's SDS.
		if ts := fields.ByName("transport_socket"); ts != nil && m.Has(ts) && s.needsAgentSds(m.Get(ts).Message()) {
			s.removed = append(s.removed, removal{where, name, "transport socket with the istio-agent's SDS (" + agentSdsCluster + ")"})
			return true
		}
		return false
	}
	if !m.Has(fd) {
		return false
	}
	a, _ := asAny(m.Get(fd).Message())
	if strings.HasPrefix(name, "istio.") || !s.loadable(a) {
		s.removed = append(s.removed, removal{where, name, a.GetTypeUrl()})
		return true
	}
	return false
}

// needsAgentSds reports whether a message (reading into Anys) names the agent's SDS cluster.
func (s *scrubber) needsAgentSds(m protoreflect.Message) bool {
	found := false
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if found {
			return
		}
		if a, ok := asAny(m); ok {
			mt, err := s.types.FindMessageByURL(a.GetTypeUrl())
			if err != nil {
				return
			}
			inner := mt.New().Interface()
			if proto.Unmarshal(a.GetValue(), inner) == nil {
				walk(inner.ProtoReflect())
			}
			return
		}
		if stringField(m, "cluster_name") == agentSdsCluster {
			found = true
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					walk(l.Get(i).Message())
				}
			case fd.IsMap() && fd.MapValue().Message() != nil:
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool { walk(mv.Message()); return true })
			case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
				walk(v.Message())
			}
			return !found
		})
	}
	walk(m)
	return found
}

// scrubMessage removes the entries described above anywhere under m. Returns whether m changed.
func (s *scrubber) scrubMessage(m protoreflect.Message, where string) bool {
	changed := false
	type edit struct {
		fd protoreflect.FieldDescriptor
		fn func()
	}
	var edits []edit
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := where + "." + string(fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			var kept []protoreflect.Value
			dropped := false
			for i := 0; i < l.Len(); i++ {
				e := l.Get(i)
				if s.dropEntry(e.Message(), path) {
					dropped = true
					continue
				}
				if s.scrubMessage(e.Message(), path) {
					changed = true
				}
				kept = append(kept, e)
			}
			if dropped {
				changed = true
				edits = append(edits, edit{fd, func() {
					nl := m.NewField(fd).List()
					for _, k := range kept {
						nl.Append(k)
					}
					if nl.Len() == 0 {
						m.Clear(fd)
					} else {
						m.Set(fd, protoreflect.ValueOfList(nl))
					}
				}})
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			mp := v.Map()
			var drop []protoreflect.MapKey
			mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				key := k.String()
				if a, ok := asAny(mv.Message()); ok {
					if strings.HasPrefix(key, "istio.") || !s.loadable(a) {
						s.removed = append(s.removed, removal{path, key, a.GetTypeUrl()})
						drop = append(drop, k)
					} else if s.scrubAny(a, path+"["+key+"]") {
						changed = true
					}
					return true
				}
				if s.scrubMessage(mv.Message(), path+"["+key+"]") {
					changed = true
				}
				return true
			})
			for _, k := range drop {
				mp.Clear(k)
				changed = true
			}
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			sub := v.Message()
			if fd.Name() == "transport_socket" && s.needsAgentSds(sub) {
				s.removed = append(s.removed, removal{path, stringField(sub, "name"), "transport socket with the istio-agent's SDS (" + agentSdsCluster + ")"})
				edits = append(edits, edit{fd, func() { m.Clear(fd) }})
				changed = true
				return true
			}
			if a, ok := asAny(sub); ok {
				// A lone Any (not an extension entry): scrub inside, keep it even if unknown.
				if s.loadable(a) && s.scrubAny(a, path) {
					changed = true
				}
				return true
			}
			if s.scrubMessage(sub, path) {
				changed = true
			}
		}
		return true
	})
	for _, e := range edits {
		e.fn()
	}
	return changed
}
