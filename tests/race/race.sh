#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# The element's threads under a race detector (docs/reliability.md "Races"):
#   tests/race/race.sh [helgrind|drd] [TESTS] [BUILD]
# runs tests/element/test-element's TESTS (GST_CHECKS; default test_stress: a pushing
# thread, two threads setting "exit", one reading and setting properties, one cycling
# states, for 4 s) with the small test model under valgrind --tool=helgrind (or drd),
# GMutex/GCond made visible to it by tests/race/gthread-pthread.c, and
# tests/race/glib.supp for what GLib and GStreamer do with atomics (refcounts, one-time
# initialisation) that the tools cannot see. Fails on any reported error. TESTS is a
# comma-separated list; test_state_cycles (100 state cycles) runs under the leaks tracer.
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=${1:-helgrind}
tests=${2:-test_stress}
build=${3:-build}
ninja -C "$build" tests/element/test-element tests/race/libgthread-pthread.so \
  plugin/libgstwav2vec2ee.so >/dev/null
reg=$(mktemp -d)
trap 'rm -rf "$reg"' EXIT
extra=()
[ "$tool" = helgrind ] && extra=(--history-level=approx)
# test_state_cycles counts objects through the leaks tracer (as meson's element-leaks)
tracers=
case ",$tests," in *,test_state_cycles,*) tracers=leaks ;; esac
env LD_PRELOAD="$PWD/$build/tests/race/libgthread-pthread.so" \
  GST_CHECKS="$tests" GST_TRACERS="$tracers" CK_FORK=no CK_DEFAULT_TIMEOUT=3000 \
  GST_REGISTRY_1_0="$reg/registry.bin" GST_PLUGIN_PATH="$PWD/$build/plugin" \
  W2VEE_TEST_MODELS="$PWD/$build/tests/reference/models" W2VEE_MODEL= \
  W2VEE_SOURCE_ROOT="$PWD" W2VEE_BUILD_ROOT="$PWD/$build" G_DEBUG=fatal-criticals \
  valgrind --tool="$tool" "${extra[@]}" --error-exitcode=1 --num-callers=30 \
    --suppressions="$PWD/tests/race/glib.supp" "$build/tests/element/test-element"
