#!/usr/bin/env bash
# The lab's node as a network namespace, with the REAL kube-proxy (iptables mode) in it.
#
#   host                                   netns lab-node (the node)                         pod netns
#   lab-node0 10.244.255.249/30  <-veth->  lab-node1 10.244.255.250/30                       eth0 <pod IP>
#   routes 10.244.255.253/32,              lo: 10.244.255.254 (node InternalIP, NodePorts),  default via
#          10.244.255.254/32,                  10.244.255.253 (LoadBalancer IP)              10.244.255.254
#          10.244.254.0/24,                    local 10.244.254.0/24 (LB_POOL: other LoadBalancer IPs)
#          10.244.0.0/24 via .250          labh<id>: one veth per pod (backends.sh)
#                                          iptables: kube-proxy's KUBE-SERVICES/KUBE-NODEPORTS/
#                                          KUBE-SVC/KUBE-SEP; ip_forward=1
# A request from the host to $INGRESS_IP:80 or nodeIP:nodePort enters the node namespace, passes
# kube-proxy's DNAT to the gateway pod's IP:8080 and is routed to the pod's namespace, where the
# gateway's Envoy listens; Envoy's upstream requests go back through the node to the backend pods.
# The host's own iptables and sysctls are never touched: everything runs in lab-node.
#
# kube-proxy reaches the API server (127.0.0.1 on the host) through a socat relay on the host end of
# the link that accepts only the node's address; its kubeconfig keeps the CA check (tls-server-name).
#
# Usage: bash test/harness/node-net.sh up | down | status | save   (save: iptables-save -t nat -c in the node)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"

STATE="$CLUSTER_DIR/node"
say() { echo "[node-net] $*"; }
die() { echo "node-net: error: $*" >&2; exit 1; }
in_node() { ip netns exec "$NODE_NETNS" "$@"; }

alive() { # alive <pidfile> <cmdline substring>
  local pid; pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

stop_pidfile() { # stop_pidfile <pidfile> <cmdline substring>
  if alive "$1" "$2"; then
    local pid; pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

netns_up() {
  if ! ip netns list | awk '{print $1}' | grep -qx "$NODE_NETNS"; then
    ip netns add "$NODE_NETNS"
  fi
  if ! ip link show lab-node0 >/dev/null 2>&1; then
    ip link add lab-node0 type veth peer name lab-node1
    ip link set lab-node1 netns "$NODE_NETNS"
  fi
  ip addr replace "$NODE_LINK_HOST/30" dev lab-node0
  ip link set lab-node0 up
  ip -n "$NODE_NETNS" link set lo up
  ip -n "$NODE_NETNS" addr replace "$NODE_LINK_NS/30" dev lab-node1
  ip -n "$NODE_NETNS" link set lab-node1 up
  # the node's own addresses: its InternalIP (NodePorts) and the LoadBalancer IP
  ip -n "$NODE_NETNS" addr replace "$HOST_GW_IP/32" dev lo
  ip -n "$NODE_NETNS" addr replace "$INGRESS_IP/32" dev lo
  ip -n "$NODE_NETNS" route replace default via "$NODE_LINK_HOST" dev lab-node1
  # the other LoadBalancer IPs (sync.mjs hands them out): all the node's own, so an address no Service
  # holds yet answers "connection refused" here instead of being routed back and forth
  ip -n "$NODE_NETNS" route replace local "$LB_POOL" dev lo
  in_node sysctl -qw net.ipv4.ip_forward=1
  # the host reaches the node's addresses and the pods through the link (no forwarding on the host)
  ip route replace "$HOST_GW_IP/32" via "$NODE_LINK_NS" dev lab-node0
  ip route replace "$INGRESS_IP/32" via "$NODE_LINK_NS" dev lab-node0
  ip route replace "$POD_CIDR" via "$NODE_LINK_NS" dev lab-node0
  ip route replace "$LB_POOL" via "$NODE_LINK_NS" dev lab-node0
}

kube_proxy_up() {
  mkdir -p "$STATE"
  if alive "$STATE/kube-proxy.pid" kube-proxy; then say "kube-proxy already running"; return; fi
  [[ -x "$K8S_BIN/kube-proxy" ]] || die "no $K8S_BIN/kube-proxy; run npm run harness:build"
  command -v socat >/dev/null || die "socat is not installed; run npm run harness:build"
  # API server relay: host end of the link -> 127.0.0.1:<apiserver>, only from the node's address
  local server host port relay_port=6443
  server=$(sed -n 's/^\s*server:\s*https:\/\/\(.*\)$/\1/p' "$KUBECONFIG_PATH" | head -1)
  host=${server%:*}; port=${server##*:}
  stop_pidfile "$STATE/apiserver-relay.pid" socat
  setsid socat "TCP-LISTEN:$relay_port,bind=$NODE_LINK_HOST,fork,reuseaddr,range=$NODE_LINK_NS/32" "TCP:$host:$port" \
    >"$STATE/apiserver-relay.log" 2>&1 < /dev/null &
  echo $! > "$STATE/apiserver-relay.pid"
  sed "s#^\(\s*\)server:\s*https://.*#\1server: https://$NODE_LINK_HOST:$relay_port\n\1tls-server-name: $host#" "$KUBECONFIG_PATH" > "$STATE/kubeconfig"
  chmod 600 "$STATE/kubeconfig"
  setsid ip netns exec "$NODE_NETNS" "$K8S_BIN/kube-proxy" \
    --kubeconfig="$STATE/kubeconfig" \
    --proxy-mode=iptables \
    --hostname-override="$NODE_NAME" \
    --cluster-cidr=10.244.0.0/16 \
    --healthz-bind-address=127.0.0.1:10256 \
    --metrics-bind-address=127.0.0.1:10249 \
    --conntrack-max-per-core=0 \
    --conntrack-tcp-timeout-established=0 \
    --conntrack-tcp-timeout-close-wait=0 \
    --v=2 >"$LOG_DIR/kube-proxy.log" 2>&1 < /dev/null &
  echo $! > "$STATE/kube-proxy.pid"
  # $! is the forked shell until it has exec'd setsid, ip and kube-proxy; checked by name before that (a loaded
  # machine), it looked like an exited kube-proxy and cluster-up failed. Wait for the exec (or the process's end).
  for _ in $(seq 1 50); do
    { alive "$STATE/kube-proxy.pid" kube-proxy || ! kill -0 "$(cat "$STATE/kube-proxy.pid")" 2>/dev/null; } && break
    sleep 0.1
  done
  say "kube-proxy pid $(cat "$STATE/kube-proxy.pid") in netns $NODE_NETNS (iptables mode); log $LOG_DIR/kube-proxy.log"
}

# wait_rules: until kube-proxy wrote the gateway Service's chains (KUBE-SVC jump for it). Whether kube-proxy still
# runs is asked of its pid, not its command line, which is the forked shell's until setsid and `ip netns exec` have
# exec'd their way to kube-proxy (see kube_proxy_up).
wait_rules() {
  local pid; pid=$(cat "$STATE/kube-proxy.pid")
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { tail -15 "$LOG_DIR/kube-proxy.log" >&2; die "kube-proxy exited; log $LOG_DIR/kube-proxy.log"; }
    if in_node iptables-save -t nat 2>/dev/null | grep -q -- '--comment "istio-system/istio-ingressgateway:http2.*-j KUBE-SVC-'; then return 0; fi
    sleep 0.2
  done
  die "kube-proxy wrote no rules for istio-system/istio-ingressgateway within 30 s; log $LOG_DIR/kube-proxy.log"
}

down() {
  stop_pidfile "$STATE/kube-proxy.pid" kube-proxy
  stop_pidfile "$STATE/apiserver-relay.pid" socat
  # anything still inside the node namespace was started by the harness
  for pid in $(ip netns pids "$NODE_NETNS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip route del "$POD_CIDR" via "$NODE_LINK_NS" 2>/dev/null || true
  ip route del "$LB_POOL" via "$NODE_LINK_NS" 2>/dev/null || true
  ip netns del "$NODE_NETNS" 2>/dev/null && say "deleted network namespace $NODE_NETNS (its iptables rules with it)" || true
  ip link del lab-node0 2>/dev/null || true
  rm -rf "$STATE"
}

case "${1:-}" in
  up)
    [[ $(id -u) -eq 0 ]] || die "the lab's node namespace needs root (ip netns); rerun as root"
    [[ -f "$KUBECONFIG_PATH" ]] || die "no $KUBECONFIG_PATH; start the control plane first"
    netns_up
    kube_proxy_up
    wait_rules
    say "node $NODE_NETNS: node IP $HOST_GW_IP, LoadBalancer IP $INGRESS_IP; kube-proxy's rules for the gateway are in"
    ;;
  down) down ;;
  status)
    alive "$STATE/kube-proxy.pid" kube-proxy && echo "kube-proxy running pid $(cat "$STATE/kube-proxy.pid")" || { echo "kube-proxy not running"; exit 1; } ;;
  save) in_node iptables-save -t nat -c ;;
  *) echo "usage: node-net.sh up|down|status|save" >&2; exit 2 ;;
esac
