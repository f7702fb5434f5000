#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# The test command: installs missing Debian packages, builds into build/, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
# ONNX Runtime for the benchmark harness's smoke test (pinned by bench/package-lock.json)
[ -d bench/node_modules/onnxruntime-node ] || (cd bench && npm ci --ignore-scripts --no-audit --no-fund)
meson test -C build --print-errorlogs --num-processes "$(nproc)" "$@"
