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

exec node_modules/.bin/node src/cli/main.ts broker "$@"
