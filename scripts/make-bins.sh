#!/bin/sh
# Writes dist/bin/<name>: tiny ESM entry files (Node treats extensionless files in this
# "type": "module" package as ESM), so every executable starts with no shell in between.
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist/bin
bin() {
  name=$1; target=$2
  printf '#!/usr/bin/env node\nimport "%s";\n' "$target" > "dist/bin/$name"
  chmod 0755 "dist/bin/$name"
}
bin ward ../cli/main.js
# The shim is a POSIX sh launcher so containerd's `start` never waits for Node (docs/SHIM.md).
install -m 0755 shim/launcher.sh dist/bin/containerd-shim-ward-v2
bin ward-agent-proxy ../agent-proxy/main.js
bin ward-runc-agent ../integration/runc-agent/main.js
bin ward-spire-plugin ../identity/plugin-main.js
