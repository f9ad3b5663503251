#!/usr/bin/env bash
# Real processes at the pods' own IPs. kwok gives pods IPs but runs no container; for each
# application pod and each ingress gateway pod this creates a network namespace holding the pod's
# IP, attached to the lab's node namespace (NODE_NETNS, made by cluster-up.sh) by a veth pair whose
# node side carries HOST_GW_IP (the node's IP, the pods' default gateway), and runs in it:
#   - Debian's nginx for pods whose image is nginx, bound to podIP:port,
#   - test/harness/httpserver.mjs (stand-in for cncamp/httpserver: /hello, /healthz) otherwise,
#   - for gateway pods (istio-system's labelled istio=ingressgateway, and in any namespace those of a
#     Gateway API Gateway's deployment, labelled gateway.networking.k8s.io/gateway-name, which istiod
#     deploys): the upstream Envoy with the gateway pod's bootstrap (gateway-pod.mjs; config from
#     istiod through the xds-relay), and a kwok PortForward named after the pod that takes
#     `kubectl port-forward` into the pod's namespace (socat to 127.0.0.1:<port> there, as the
#     kubelet enters the pod's network namespace).
# The node namespace routes between pods, and the host reaches every pod IP through it.
# Only addresses created here are ever contacted.
# If network namespaces cannot be created (not root, no CAP_NET_ADMIN), the servers run on
# 127.0.0.1 with free ports instead and the mapping pod IP -> loopback port is written to
# .cluster/backends/loopback-map.json, which gateway-envoy.mjs uses for the endpoints; this
# FALLBACK is printed loudly.
#
# Usage: bash test/harness/backends.sh up [NAMESPACE...]   (default: every namespace except
#          istio-system/kube-*; run after the sample's pods have IPs; idempotent)
#        bash test/harness/backends.sh down                 (stop all, delete the namespaces)
#        bash test/harness/backends.sh status
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"

STATE="$CLUSTER_DIR/backends"
KUBECTL=("$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH")
say() { echo "[backends] $*"; }
die() { echo "backends: error: $*" >&2; exit 1; }

short_id() { printf '%s' "$1" | md5sum | cut -c1-8; }

# Pods to serve: "namespace name ip image port" lines; image "gateway" for a gateway pod.
list_pods() {
  local ns_filter=("$@")
  "${KUBECTL[@]}" get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}|{.metadata.name}|{.status.podIP}|{.spec.containers[0].image}|{.spec.containers[0].ports[0].containerPort}|{.metadata.labels.istio}|{.metadata.labels.gateway\.networking\.k8s\.io/gateway-name}{"\n"}{end}' |
    # "|", not spaces: a pod without an IP yet leaves an empty field that must not shift the others
    while IFS='|' read -r ns name ip image port istio_label gateway_name; do
      case "$ns" in kube-system|kube-public|kube-node-lease) continue ;; esac
      if [[ -n "$gateway_name" || ( "$ns" == istio-system && "$istio_label" == ingressgateway ) ]]; then
        image=gateway
      elif [[ "$ns" == istio-system ]]; then
        continue   # istiod runs on the host (istiod.mjs)
      fi
      if ((${#ns_filter[@]})) && ! printf '%s\n' "${ns_filter[@]}" | grep -qx "$ns"; then continue; fi
      [[ -n "$ip" ]] || { echo "skip $ns/$name: no pod IP yet" >&2; continue; }
      echo "$ns $name $ip $image ${port:-80}"
    done
}

netns_works() {
  local probe="lab-probe-$$"
  ip netns add "$probe" 2>/dev/null || return 1
  ip netns del "$probe"
}

wait_http() { # wait_http <url> [via-netns]: the server answers (any HTTP status)
  for _ in $(seq 1 50); do
    if curl -s -o /dev/null --max-time 1 "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

nginx_conf() { # nginx_conf <dir> <listen-address:port>
  local dir=$1 listen=$2
  mkdir -p "$dir/tmp"
  cat > "$dir/nginx.conf" <<EOF
# Debian's nginx as the sample's nginx pod; Debian's default welcome page.
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log notice;
user root;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen $listen;
    root /var/www/html;
    index index.html index.htm index.nginx-debian.html;
    location / { try_files \$uri \$uri/ =404; }
  }
}
EOF
}

# pod_credentials <dir> <namespace> <pod> <service account>: what the kubelet puts into a gateway pod for
# pilot-agent (the istio-proxy container's volumes `istio-token` and `istiod-ca-cert`): a service account
# token for audience istio-ca bound to the pod, from the API server's TokenRequest, and the mesh's root
# certificate from the ConfigMap istio-ca-root-cert that istiod writes into every namespace. The
# xds-relay presents them to istiod's TLS port for this pod (istio-build/xds-relay/auth.go). The token
# is written 0600 and never printed.
pod_credentials() {
  local dir=$1 ns=$2 name=$3 account=$4 uid root=""
  uid=$("${KUBECTL[@]}" -n "$ns" get pod "$name" -o jsonpath='{.metadata.uid}') || return 1
  if ! ( umask 077
         "${KUBECTL[@]}" -n "$ns" create token "$account" --audience istio-ca --duration 12h \
           --bound-object-kind Pod --bound-object-name "$name" --bound-object-uid "$uid" > "$dir/istio-token.tmp" ); then
    echo "backends: $ns/$name: TokenRequest for service account $account failed" >&2
    return 1
  fi
  mv "$dir/istio-token.tmp" "$dir/istio-token"
  for _ in $(seq 1 100); do   # istiod writes the ConfigMap a moment after it starts or the namespace appears
    root=$("${KUBECTL[@]}" -n "$ns" get configmap istio-ca-root-cert -o jsonpath='{.data.root-cert\.pem}' 2>/dev/null || true)
    [[ -n "$root" ]] && break
    sleep 0.2
  done
  if [[ -z "$root" ]]; then
    echo "backends: $ns/$name: no ConfigMap $ns/istio-ca-root-cert (istiod writes it; is istiod up? node test/harness/istiod.mjs status)" >&2
    return 1
  fi
  printf '%s\n' "$root" > "$dir/root-cert.pem"
}

# start_server <dir> <kind> <ip> <port> <namespace> <name> [netns]: starts detached, records the pid.
start_server() {
  local dir=$1 kind=$2 ip=$3 port=$4 ns=$5 name=$6 netns=${7:-}
  local pre=()
  [[ -n "$netns" ]] && pre=(ip netns exec "$netns")
  if [[ "$kind" == gateway ]]; then
    local labels account owner hash
    labels=$("${KUBECTL[@]}" -n "$ns" get pod "$name" -o jsonpath='{.metadata.labels}')
    IFS='|' read -r account owner hash < <("${KUBECTL[@]}" -n "$ns" get pod "$name" \
      -o jsonpath='{.spec.serviceAccountName}|{.metadata.ownerReferences[0].name}|{.metadata.labels.pod-template-hash}{"\n"}')
    pod_credentials "$dir" "$ns" "$name" "$account" || return 1
    # the workload is the Deployment: the ReplicaSet's name without its pod-template-hash
    node "$HERE/gateway-pod.mjs" bootstrap --pod "$name" --namespace "$ns" --ip "$ip" --labels "$labels" \
      --workload "${owner%-"$hash"}" --service-account "$account" --out "$dir/bootstrap.json" || return 1
    # The container's log (what `kubectl logs` returns, via the pod's kwok Logs object): Envoy's stdout,
    # where istiod's meshConfig.accessLogFile=/dev/stdout puts the access log (flushed every second), and
    # its stderr (Envoy's own log, also kept plain in envoy.log). $! stays Envoy's pid. The loggers get no
    # stdout or stderr of ours: a caller that waits for this script's output to close (npm run lab) would wait
    # for them, which live as long as Envoy.
    setsid "${pre[@]}" "$ENVOY_BIN" -c "$dir/bootstrap.json" --disable-hot-restart --log-level info \
      --component-log-level upstream:warning,config:warning,main:warning --file-flush-interval-msec 1000 \
      > >(perl "$HERE/container-log.pl" stdout "$dir/container.log" >/dev/null 2>&1 9>&-) \
      2> >(perl "$HERE/container-log.pl" stderr "$dir/container.log" "$dir/envoy.log" >/dev/null 2>&1 9>&-) < /dev/null 9>&- &
  elif [[ "$kind" == nginx ]]; then
    nginx_conf "$dir" "$ip:$port"
    setsid "${pre[@]}" nginx -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/server.log" 2>&1 < /dev/null 9>&- &
  else
    setsid "${pre[@]}" node "$HERE/httpserver.mjs" --host "$ip" --port "$port" --name "$name" >"$dir/server.log" 2>&1 < /dev/null 9>&- &
  fi
  echo $! > "$dir/server.pid"
}

up() {
  [[ -f "$KUBECONFIG_PATH" ]] || die "no cluster (missing $KUBECONFIG_PATH); run: npm run cluster:up"
  [[ ! -f "$CLUSTER_DIR/stopping" ]] || die "the cluster is being stopped (cluster-down.sh); run npm run cluster:up first"
  mkdir -p "$STATE"
  local mode=netns
  if [[ "${LAB_BACKENDS_LOOPBACK:-}" == 1 ]] || ! netns_works; then
    mode=loopback
    echo "################################################################################" >&2
    echo "# backends: FALLBACK to loopback: cannot create network namespaces here        #" >&2
    echo "# (need root/CAP_NET_ADMIN). Servers run on 127.0.0.1; Envoy's endpoints are   #" >&2
    echo "# rewritten to them, so endpoint addresses differ from the pods' IPs.          #" >&2
    echo "################################################################################" >&2
  fi
  local pods; pods=$(list_pods "$@")
  # Pods that are gone (or got another IP) lose their backend, as their containers would.
  for dir in "$STATE"/*/; do
    [[ -d "$dir" ]] || continue
    local key; key=$(basename "$dir")
    local ns=${key%%.*}
    if (($#)) && ! printf '%s\n' "$@" | grep -qx "$ns"; then continue; fi
    local podip; podip=$(cat "$dir/pod-ip" 2>/dev/null || cut -d: -f1 "$dir/address" 2>/dev/null)
    if ! grep -q "^${ns} ${key#*.} ${podip} " <<< "$pods"; then
      say "$ns/${key#*.}: pod gone or re-addressed, stopping its backend"
      stop_one "$dir"
    fi
  done
  [[ -n "$pods" ]] || { say "no application pods with IPs (apply the sample first)"; return 0; }
  local map="{"
  while read -r ns name ip image port; do
    local id; id=$(short_id "$ns/$name")
    local dir="$STATE/$ns.$name"
    local kind=httpserver; [[ "$image" == *nginx* ]] && kind=nginx; [[ "$image" == gateway ]] && kind=gateway
    if [[ "$kind" == gateway && "$mode" != netns ]]; then
      echo "backends: the gateway pod $ns/$name needs network namespaces (root); its Envoy is not started" >&2
      continue
    fi
    mkdir -p "$dir"
    if [[ -f "$dir/server.pid" ]] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      say "$ns/$name ($kind) already served at $(cat "$dir/address")"
      [[ "$mode" == loopback ]] && map+="\"$ip:$port\":\"$(cat "$dir/address")\","
      continue
    fi
    if [[ "$mode" == netns ]]; then
      local netns="lab-$id" hveth="labh$id" pveth="labp$id"
      echo "$netns" > "$dir/netns"
      ip netns del "$netns" 2>/dev/null || true
      ip link del "$hveth" 2>/dev/null || true
      ip netns add "$netns"
      ip link add "$hveth" type veth peer name "$pveth"
      ip link set "$pveth" netns "$netns"
      ip link set "$hveth" netns "$NODE_NETNS"
      ip -n "$netns" link set "$pveth" name eth0
      ip -n "$netns" link set lo up
      ip -n "$netns" link set eth0 up
      ip -n "$netns" addr add "$ip/32" dev eth0
      ip -n "$netns" route add "$HOST_GW_IP/32" dev eth0
      ip -n "$netns" route add default via "$HOST_GW_IP" dev eth0
      ip -n "$NODE_NETNS" link set "$hveth" up
      ip -n "$NODE_NETNS" addr add "$HOST_GW_IP/32" dev "$hveth" 2>/dev/null || true
      ip -n "$NODE_NETNS" route replace "$ip/32" dev "$hveth" src "$HOST_GW_IP"
      if ! start_server "$dir" "$kind" "$ip" "$port" "$ns" "$name" "$netns"; then
        # as a kubelet whose volumes cannot be mounted: this pod does not start (the next sync tries again), the others do
        echo "backends: $ns/$name: not started, its credentials could not be made" >&2
        stop_one "$dir"   # no half-made pod directory (one without an address) is left for the next run
        continue
      fi
      echo "$ip:$port" > "$dir/address"
      echo "$kind" > "$dir/kind"
      if [[ "$kind" == gateway ]]; then gateway_port_forward "$ns" "$name" "$netns"; gateway_logs "$ns" "$name" "$dir"; fi
    else
      local lport; lport=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
      start_server "$dir" "$kind" 127.0.0.1 "$lport" "$ns" "$name"
      echo "127.0.0.1:$lport" > "$dir/address"
      echo "$ip" > "$dir/pod-ip"
      map+="\"$ip:$port\":\"127.0.0.1:$lport\","
    fi
    local addr; addr=$(cat "$dir/address")
    if [[ "$kind" == gateway ]]; then
      # Envoy's admin answers inside the pod once it started; its listeners come from istiod.
      if wait_in_netns "$netns" "http://127.0.0.1:15000/ready"; then
        check_port_forward "$ns" "$name"
        say "$ns/$name: gateway Envoy in the pod at $ip (admin 127.0.0.1:15000 in the pod; config from istiod via the xds-relay)"
      else
        echo "backends: $ns/$name: the gateway's Envoy is not LIVE yet (is istiod up? node test/harness/istiod.mjs status); log: $dir/envoy.log" >&2
      fi
      continue
    fi
    local probe="http://$addr/"; [[ "$kind" == httpserver ]] && probe="http://$addr/healthz"
    if wait_http "$probe"; then
      say "$ns/$name: $kind at $addr ($mode)"
    else
      die "$ns/$name: $kind did not answer at $addr; log: $dir/server.log"
    fi
  done <<< "$pods"
  if [[ "$mode" == loopback ]]; then echo "${map%,}}" > "$STATE/loopback-map.json"; else rm -f "$STATE/loopback-map.json"; fi
  # Nothing is pushed to the gateway from here: its Envoy gets endpoints and routes from istiod.
}

wait_in_netns() { # wait_in_netns <netns> <url>: a 200 from inside the namespace
  for _ in $(seq 1 100); do
    if ip netns exec "$1" curl -sf -o /dev/null --max-time 1 "$2"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# check_port_forward <namespace> <pod>: a port-forward to the pod's 15000 through the API server reaches
# Envoy's admin. (kwok 0.8.0 could miss a PortForward created while it served another port-forward,
# "no forward found for port 15000"; the harness builds kwok with the fix, kwok-patch/build.sh.)
check_port_forward() {
  local ns=$1 pod=$2 log="$STATE/$1.$2/port-forward-check.log" pf port=""
  "${KUBECTL[@]}" -n "$ns" port-forward "pod/$pod" :15000 > "$log" 2>&1 &
  pf=$!
  for _ in $(seq 1 30); do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log" | head -1)
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  if [[ -n "$port" ]] && curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$port/ready"; then
    kill "$pf" 2>/dev/null || true; wait "$pf" 2>/dev/null || true
    return 0
  fi
  kill "$pf" 2>/dev/null || true; wait "$pf" 2>/dev/null || true
  echo "backends: port-forward to $pod:15000 does not reach Envoy's admin ($(tail -1 "$log")); see $log" >&2
}

# gateway_port_forward <namespace> <pod> <netns>: kwok's PortForward for the gateway pod. `kubectl
# port-forward` to any of its ports lands on 127.0.0.1:<port> inside the pod's network namespace, as a
# kubelet does. (80/443: a Gateway API gateway's Envoy listens on the listener's own port.)
gateway_port_forward() {
  local ns=$1 pod=$2 netns=$3 forwards="" p
  for p in 15000 8080 8443 80 443 15021 15090; do
    forwards+="    - {ports: [$p], command: [ip, netns, exec, $netns, socat, '-', 'TCP:127.0.0.1:$p']}"$'\n'
  done
  "${KUBECTL[@]}" apply -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: PortForward
metadata:
  name: $pod
  namespace: $ns
spec:
  forwards:
$forwards
EOF
}

# gateway_logs <namespace> <pod> <dir>: kwok's Logs object for the gateway pod: `kubectl logs` (GET
# pods/log, with follow and sinceSeconds) reads the container log the harness writes, as a kubelet reads
# the runtime's.
gateway_logs() {
  local ns=$1 pod=$2 dir=$3
  "${KUBECTL[@]}" apply -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Logs
metadata:
  name: $pod
  namespace: $ns
spec:
  logs:
    - containers: [istio-proxy]
      logsFile: $dir/container.log
      follow: true
EOF
}

stop_one() { # stop_one <state dir>: stop the server, delete its network namespace
  local dir=$1
  if [[ -f "$dir/server.pid" ]]; then
    local pid; pid=$(cat "$dir/server.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  # nginx forks a worker; it exits with its master, but make sure by its own pid file.
  if [[ -f "$dir/nginx.pid" ]]; then kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true; fi
  local key; key=$(basename "$dir")
  if [[ "$(cat "$dir/kind" 2>/dev/null)" == gateway && -f "$KUBECONFIG_PATH" ]]; then
    "${KUBECTL[@]}" -n "${key%%.*}" delete portforward.kwok.x-k8s.io "${key#*.}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    "${KUBECTL[@]}" -n "${key%%.*}" delete logs.kwok.x-k8s.io "${key#*.}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
  if [[ -f "$dir/netns" ]]; then
    local netns; netns=$(cat "$dir/netns")
    # any process still inside our namespace is ours
    for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$netns" 2>/dev/null || true   # deleting the namespace deletes the veth pair
  fi
  rm -rf "$dir"
}

down() {
  [[ -d "$STATE" ]] || { say "nothing to stop"; return 0; }
  for dir in "$STATE"/*/; do
    [[ -d "$dir" ]] && stop_one "$dir"
  done
  # Leftovers of an interrupted run: namespaces and veths named by this script only.
  # (grep -E, not awk: Debian's mawk has no {n} intervals.) A process inside one is ours.
  for netns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^lab-[0-9a-f]{8}$'); do
    for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$netns" 2>/dev/null || true
    say "removed leftover network namespace $netns"
  done
  for link in $(ip -n "$NODE_NETNS" -o link show 2>/dev/null | awk -F': ' '{split($2,a,"@"); print a[1]}' | grep -E '^labh[0-9a-f]{8}$'); do ip -n "$NODE_NETNS" link del "$link" 2>/dev/null || true; done
  rm -f "$STATE/loopback-map.json"
  say "backends stopped"
}

status() {
  [[ -d "$STATE" ]] || { say "none"; return 0; }
  for dir in "$STATE"/*/; do
    [[ -d "$dir" ]] || continue
    local pid; pid=$(cat "$dir/server.pid" 2>/dev/null || echo 0)
    local st=dead; kill -0 "$pid" 2>/dev/null && st=running
    echo "$(basename "$dir") $(cat "$dir/address" 2>/dev/null) $st"
  done
}

cmd=${1:-}; shift || true
# One backends.sh at a time (tests and sync.mjs may call it together).
mkdir -p "$STATE"
exec 9>"$CLUSTER_DIR/backends.lock"
flock -w 120 9 || die "another backends.sh holds $CLUSTER_DIR/backends.lock"
case "$cmd" in
  up) up "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: backends.sh up [NAMESPACE...] | down | status" >&2; exit 2 ;;
esac
