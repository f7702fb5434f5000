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
# meson devenv: the uninstalled w2vee, with W2VEE_MODEL set to models/default (nothing
# of the build tree is compiled into libw2vee, which looks only in the installed DATADIR)
meson devenv -C build -w "$PWD" w2vee transcribe -e all examples/hello.wav
