#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# The test command: installs missing Debian packages, builds into build/, runs every test.
#   scripts/test.sh [MESON TEST ARGS...]
#   scripts/test.sh --sanitize [MESON TEST ARGS...]
# --sanitize builds build-sanitize/ with AddressSanitizer and UndefinedBehaviorSanitizer
# and runs the whole suite there (docs/reliability.md "Sanitizers"): GStreamer scans
# plugins in the test process itself (GST_REGISTRY_FORK=no: the system's
# gst-plugin-scanner has no ASan runtime and would blacklist the plugin), every run
# starts from fresh registries, tests/sanitize/wrap.sh preloads the runtime into
# uninstrumented hosts (Python, gst-inspect-1.0), a UBSan report fails its test, and
# tests/sanitize/lsan.supp holds the (justified) leak suppressions.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=false
if [ "${1:-}" = --sanitize ]; then
  sanitize=true
  shift
fi
scripts/install-deps.sh
# ONNX Runtime for the benchmark harness's smoke test (pinned by bench/package-lock.json)
[ -d bench/node_modules/onnxruntime-node ] || (cd bench && npm ci --ignore-scripts --no-audit --no-fund)
if ! $sanitize; then
  [ -f build/build.ninja ] || meson setup build
  ninja -C build
  exec meson test -C build --print-errorlogs --num-processes "$(nproc)" "$@"
fi

[ -f build-sanitize/build.ninja ] || meson setup build-sanitize \
  -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
ninja -C build-sanitize
find build-sanitize -name 'registry-*.bin' -delete
root=$PWD
export GST_REGISTRY_FORK=no
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS=suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# ASan's shadow memory makes everything slower: 3× every test's timeout
exec meson test -C build-sanitize --print-errorlogs --num-processes "$(nproc)" \
  --timeout-multiplier 3 --wrapper "$root/tests/sanitize/wrap.sh" "$@"
