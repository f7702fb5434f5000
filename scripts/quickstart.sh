#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# The main job on a fresh Debian 12 machine: install the dependencies, build, and
# transcribe the bundled example with the embedded default model (every exit).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
echo
echo "w2vee transcribe -e all examples/hello.wav  (models/default, one line per exit)"
build/tools/w2vee transcribe -e all examples/hello.wav
