#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# Builds the default English LM (models/lm/default.w2lm) from Debian packages:
#   text   training/lm_text.py: the train split of the default model's corpus
#          (fortunes, corpus.py's normalisation and seed-1 split; its test and dev
#          sentences left out)
#   model  irstlm's tlm (package irstlm): ORDER-gram, modified shift-beta (Kneser-Ney
#          like) smoothing, back-off, singletons kept
#   binary w2vee lm convert (the form docs/decoder.md describes)
# usage: scripts/build-lm.sh W2VEE_BINARY OUT [ORDER]
set -euo pipefail
w2vee=$1
out=$2
order=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
tlm=$(command -v tlm || echo /usr/lib/irstlm/bin/tlm)
[ -x "$tlm" ] || { echo "build-lm.sh: irstlm's tlm not found (apt-get install irstlm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/training/lm_text.py" --out "$tmp/text.txt"
"$tlm" -tr="$tmp/text.txt" -n="$order" -lm=msb -bo=yes -ps=no -o="$tmp/lm.arpa" > "$tmp/tlm.log" 2>&1 \
  || { cat "$tmp/tlm.log" >&2; exit 1; }
"$w2vee" lm convert "$tmp/lm.arpa" "$out"
"$w2vee" lm info "$out" >&2
