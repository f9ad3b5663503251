# Sourced by the oracles' build.sh: builds the Go program in the current folder into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/<name>/<istio pseudo-version>/<name>
# only when it is missing or was built from other sources (a hash of the given files is kept next to
# it). Prints the binary's path on stdout as the last line; timings go to stderr.
#   cached_go_build NAME "COLD BUILD HINT" [--print-path|--force] -- SOURCE_FILES...
cached_go_build() {
  local name="$1" hint="$2" mode="${3:-}"
  shift 3
  [[ "${1:-}" == "--" ]] && shift
  if ! command -v go >/dev/null 2>&1; then
    echo "$name/build.sh: the Go toolchain is not on PATH; install Go >= 1.26 (https://go.dev/dl/) and retry" >&2
    return 1
  fi
  local istio_version
  istio_version="$(awk '$1 == "istio.io/istio" { print $2; exit }' go.mod)"
  if [[ -z "$istio_version" ]]; then
    echo "$name/build.sh: cannot find the istio.io/istio version in $PWD/go.mod" >&2
    return 1
  fi
  local cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/$name/$istio_version"
  local binary="$cache_root/$name" stamp="$cache_root/$name.srchash"
  if [[ "$mode" == "--print-path" ]]; then
    echo "$binary"
    return 0
  fi
  local src_hash
  src_hash="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  if [[ "$mode" != "--force" && -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$src_hash" ]]; then
    echo "$name/build.sh: up to date ($istio_version), nothing to build" >&2
    echo "$binary"
    return 0
  fi
  mkdir -p "$cache_root"
  echo "$name/build.sh: building against istio.io/istio $istio_version ($hint)" >&2
  local start=$SECONDS
  # -mod=readonly: go.sum is committed; a build must not rewrite it.
  GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -o "$binary.tmp" .
  mv "$binary.tmp" "$binary"
  echo "$src_hash" > "$stamp"
  echo "$name/build.sh: built in $((SECONDS - start)) s, binary $(( $(stat -c %s "$binary") / 1024 / 1024 )) MiB" >&2
  echo "$binary"
}
