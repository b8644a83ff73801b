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

if [ -L node_modules ]; then
  # A git worktree sharing another checkout's node_modules: npm ci here would empty the directory
  # everyone shares before reinstalling it, so it is left to the checkout that owns it.
  :
elif node_modules_stale; then
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

# python3-confluent-kafka (librdkafka 2.0.2): transactional producer and read_committed consumer tests.
# Debian's own python3 (a python3 earlier on PATH, e.g. pyenv's, does not see Debian's packages).
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || apt_install python3-confluent-kafka

# The schema registry's Python client tests: confluent_kafka.schema_registry needs requests, its JSON
# Schema serializer jsonschema, its Protobuf serializer protobuf. Its new-style AvroSerializer needs
# fastavro, which Debian does not package; its legacy Avro clients (confluent_kafka.avro: AvroProducer,
# AvroConsumer) run on Apache's avro library, python3-avro.
missing_python=()
/usr/bin/python3 -c 'import requests' >/dev/null 2>&1 || missing_python+=(python3-requests)
/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 || missing_python+=(python3-jsonschema)
/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1 || missing_python+=(python3-protobuf)
/usr/bin/python3 -c 'import avro' >/dev/null 2>&1 || missing_python+=(python3-avro)
[ "${#missing_python[@]}" -eq 0 ] || apt_install "${missing_python[@]}"

# Cluster tests start Apache ZooKeeper themselves (src/broker/cluster/zookeeper/server-process.ts):
# Debian's zookeeper package brings the server's jars (libzookeeper-java) and a JRE, and
# libslf4j-java its logging (slf4j-simple, quieted by the launcher). The package starts no service.
missing_zookeeper=()
[ -f /usr/share/java/zookeeper.jar ] || missing_zookeeper+=(zookeeper)
[ -f /usr/share/java/slf4j-simple.jar ] || missing_zookeeper+=(libslf4j-java)
[ "${#missing_zookeeper[@]}" -eq 0 ] || apt_install "${missing_zookeeper[@]}"

# @confluentinc/kafka-javascript: the newest librdkafka (2.15), for test/confluent-kafka-javascript.test.ts.
# It lives in a folder of its own, never in the project's dependencies: its native build needs the
# -dev packages below, and a user's `npm ci` / `npm start` must not depend on them. Its install would
# download prebuilt binaries or library sources; with the Debian -dev packages and
# CKJS_LINKING=dynamic it builds its bundled librdkafka against them with no download (a minute or
# two on 2 cores). A stamp of the Node ABI and the lockfile's content it was built from skips the
# build when neither changed (content, not mtime: a checkout or rebase rewrites the file).
confluent_dir=.test-clients/confluent
confluent_stamp="$confluent_dir/node_modules/.samsa-build-stamp"
node24="$PWD/node_modules/.bin/node"
confluent_wanted="abi $("$node24" -p process.versions.modules) lock $(sha256sum < "$confluent_dir/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$confluent_stamp" ] || [ "$(cat "$confluent_stamp")" != "$confluent_wanted" ]; then
  missing=()
  for pkg in libssl-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev liblz4-dev libsasl2-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || missing+=(g++ make)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
  # node-gyp must build for the Node 24 that runs the tests, from its own headers: not the system
  # Node's, nor headers from nodejs.org (no internet). The npm package node-<platform>-<arch> of the
  # same version carries them: the copy the `node` package installed, else one fetched from npm.
  node24_version="$("$node24" -p process.versions.node)"
  node24_package="$("$node24" -p '`node-${process.platform}-${process.arch}`')"
  node24_prefix="$PWD/node_modules/node/node_modules/$node24_package"
  if [ ! -f "$node24_prefix/include/node/node_version.h" ] ||
     [ "$("$node24" -p "require('$node24_prefix/package.json').version")" != "$node24_version" ]; then
    node24_prefix="$PWD/.test-clients/node-headers/$node24_version"
    if [ ! -f "$node24_prefix/include/node/node_version.h" ]; then
      log "fetching Node $node24_version's headers ($node24_package from npm)"
      pack_dir="$(mktemp -d)"
      (cd "$pack_dir" && npm pack "$node24_package@$node24_version" --silent >/dev/null)
      mkdir -p "$node24_prefix"
      tar -xzf "$pack_dir"/*.tgz -C "$node24_prefix" --strip-components=1 package/include
      rm -rf "$pack_dir"
    fi
  fi
  log "building @confluentinc/kafka-javascript in $confluent_dir (librdkafka from source, a minute or two)"
  (
    cd "$confluent_dir"
    PATH="$(dirname "$node24"):$PATH" CKJS_LINKING=dynamic npm_config_build_from_source=true \
      npm_config_nodedir="$node24_prefix" npm ci --no-audit --no-fund --loglevel=error >&2
  )
  echo "$confluent_wanted" > "$confluent_stamp"
fi

# The console's browser tests drive Debian's Chromium through playwright-core (which downloads no browser).
command -v chromium >/dev/null 2>&1 || apt_install chromium
