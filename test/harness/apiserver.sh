#!/usr/bin/env bash
# apiserver.sh kill|start: the lab's kube-apiserver alone, as a user's API server crashes and comes back.
#   kill   SIGKILL the kube-apiserver kwokctl started (its pid file), wait until it is gone
#   start  `kwokctl start cluster`: starts the components that are not running (here the API server)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/versions.sh"
dir="$KWOK_WORKDIR/clusters/$CLUSTER_NAME"
case "${1:-}" in
  kill)
    pid=$(cat "$dir/pids/kube-apiserver.pid")
    kill -9 "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    echo "apiserver: pid $pid still running" >&2; exit 1 ;;
  start)
    "$KWOK_BIN/kwokctl" start cluster --name "$CLUSTER_NAME" >> "$LOG_DIR/apiserver-restart.log" 2>&1 ;;
  *) echo "usage: apiserver.sh kill|start" >&2; exit 2 ;;
esac
