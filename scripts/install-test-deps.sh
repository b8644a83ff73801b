#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine; prints nothing when all is present.
# Idempotent: node_modules is (re)installed only when missing or older than the lockfile, and apt is
# touched only when a Debian tool is missing (apt-get update at most once per run).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[install-test-deps] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    log "need root to run: $*"; return 1
  fi
}

# npm writes node_modules/.package-lock.json after every install, so a lockfile newer than it means
# node_modules no longer matches what the project declares. (package.json alone is not checked: an
# edit to its scripts must not make every test run reinstall; a dependency change moves the lockfile.)
node_modules_stale() {
  [ ! -d node_modules ] && return 0
  [ ! -f node_modules/.package-lock.json ] && return 0
  [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ] && return 0
  return 1
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# npm brings the rest: the `node` dev dependency puts Node 24 in node_modules/.bin.
command -v npm >/dev/null 2>&1 || apt_install npm

if node_modules_stale; then
  if [ -f package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error >&2
  else
    log "npm install"
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
fi

# Debian bookworm's kcat is built on librdkafka 2.0.2, the librdkafka version the broker targets.
command -v kcat >/dev/null 2>&1 || apt_install kcat

# Cluster tests start Apache ZooKeeper themselves (src/broker/cluster/zookeeper/server-process.ts):
# Debian's zookeeper package brings the server's jars (libzookeeper-java) and a JRE, and
# libslf4j-java its logging (slf4j-simple, quieted by the launcher). The package starts no service.
missing_zookeeper=()
[ -f /usr/share/java/zookeeper.jar ] || missing_zookeeper+=(zookeeper)
[ -f /usr/share/java/slf4j-simple.jar ] || missing_zookeeper+=(libslf4j-java)
[ "${#missing_zookeeper[@]}" -eq 0 ] || apt_install "${missing_zookeeper[@]}"
