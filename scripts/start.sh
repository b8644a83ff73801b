#!/usr/bin/env bash
# npm start: a single-node broker on 127.0.0.1:9092 with its data in ./data.
# Extra arguments go to `samsa broker` (e.g. npm start -- --override num.partitions=3).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  if [ -f package-lock.json ]; then
    npm ci
  else
    npm install
  fi
fi

# The broker's Node flags (bin/broker-node-flags says why), comments stripped.
mapfile -t flags < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' bin/broker-node-flags)
exec node_modules/.bin/node "${flags[@]}" src/cli/main.ts broker "$@"
