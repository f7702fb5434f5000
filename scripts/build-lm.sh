#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# Builds the default English LM (models/lm/default.w2lm) from Debian packages:
#   text   training/lm_text.py: the train split of the default model's fortunes sentences
#          (fortunes), WordNet 3.0's glosses and the train split of its examples
#          (wordnet-base), the Jargon File (jargon-text) and GStreamer's API documentation
#          (its .gir files); every test and dev sentence of the default model's corpora and
#          the sentence of examples/hello.wav left out
#   model  irstlm's tlm (package irstlm): ORDER-gram, modified shift-beta (Kneser-Ney
#          like) smoothing, back-off, singletons pruned
#   binary w2vee lm convert (the form docs/decoder.md describes)
# The same package versions give the same bytes: OUT.sources lists them (dpkg-query), and
# tests/decoder/default-lm.sh compares the committed LM only where they match.
# usage: scripts/build-lm.sh W2VEE_BINARY OUT [ORDER]
set -euo pipefail
# the Debian packages whose files make the LM, with their versions
if [ "${1:-}" = --sources ]; then
  dpkg-query -W -f='${Package} ${Version}\n' fortunes fortunes-min wordnet-base jargon-text \
    libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev espeak-ng-data irstlm
  exit
fi
w2vee=$1
out=$2
order=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
tlm=$(command -v tlm || echo /usr/lib/irstlm/bin/tlm)
[ -x "$tlm" ] || { echo "build-lm.sh: irstlm's tlm not found (apt-get install irstlm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/training/lm_text.py" --out "$tmp/text.txt"
"$tlm" -tr="$tmp/text.txt" -n="$order" -lm=msb -bo=yes -ps=yes -o="$tmp/lm.arpa" > "$tmp/tlm.log" 2>&1 \
  || { cat "$tmp/tlm.log" >&2; exit 1; }
"$w2vee" lm convert "$tmp/lm.arpa" "$out"
"$here/scripts/build-lm.sh" --sources > "$out.sources"
"$w2vee" lm info "$out" >&2
