#!/usr/bin/env bash
# The test command: installs missing Debian packages, builds into build/, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
# ONNX Runtime for the benchmark harness's smoke test (pinned by bench/package-lock.json)
[ -d bench/node_modules/onnxruntime-node ] || (cd bench && npm ci --ignore-scripts --no-audit --no-fund)
meson test -C build --print-errorlogs --num-processes "$(nproc)" "$@"
