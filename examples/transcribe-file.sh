#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# Transcribe an audio file with the wav2vec2ee element: gst-launch-1.0 -m prints
# one element message "wav2vec2ee, text=..." per speech segment (the fields are
# in docs/element.md).
#
#   examples/transcribe-file.sh [FILE]
#
# FILE: any audio file GStreamer can decode. Without it, espeak-ng speaks three
# sentences into a temporary WAV file first.
#
# The model is the "model" property, else $W2VEE_MODEL, else the default model.
# From a build tree, run it through `meson devenv -C BUILDDIR` (which puts the
# uninstalled plugin on GST_PLUGIN_PATH and sets W2VEE_MODEL to models/default).
set -eu

file=${1:-}
if [ -z "$file" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  file=$tmp/talk.wav
  espeak-ng -v en-us -m -w "$file" '<speak>Open the window and let the sunshine in.
    <break time="1500ms"/> The quick brown fox jumps over the lazy dog.
    <break time="1500ms"/> Speech recognition on a small computer.</speak>'
fi

gst-launch-1.0 -m filesrc location="$file" ! decodebin ! audioconvert ! audioresample ! wav2vec2ee ! fakesink
