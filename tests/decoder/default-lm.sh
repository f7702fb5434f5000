#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# `w2vee lm info default` and `transcribe --lm default` find the committed default LM, and
# it is what scripts/build-lm.sh makes from the Debian packages (byte for byte) — checked
# where the packages are the versions it was built from (models/lm/default.w2lm.sources);
# with other versions that comparison is skipped (exit 77) with the differences printed.
# usage: default-lm.sh W2VEE SOURCE_ROOT
set -euo pipefail
w2vee=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
info=$("$w2vee" lm info default)  # W2VEE_LM: the source tree's, as meson devenv sets it
echo "$info"
case "$info" in
  "lm=$src/models/lm/default.w2lm order=3 "*) ;;
  *) echo "lm info default did not find the LM W2VEE_LM names"; exit 1 ;;
esac
out=$("$w2vee" transcribe -m "$src/models/default" --lm default -o json \
  "$src/examples/hello.wav")
echo "$out"
case "$out" in
  *'"text":"HELLO THIS IS A SMALL SPEECH RECOGNIZER RUNNING INSIDE '*) ;;
  *) echo "transcribe --lm default: unexpected transcript"; exit 1 ;;
esac
if ! "$src/scripts/build-lm.sh" --sources > "$tmp/sources" 2>&1 \
   || ! cmp -s "$tmp/sources" "$src/models/lm/default.w2lm.sources"; then
  echo "SKIP (the byte comparison): the LM's source packages differ from those"
  echo "models/lm/default.w2lm was built from (lm info and transcribe passed above):"
  diff "$src/models/lm/default.w2lm.sources" "$tmp/sources" || true
  exit 77
fi
"$src/scripts/build-lm.sh" "$w2vee" "$tmp/default.w2lm" 2> "$tmp/build.log" \
  || { cat "$tmp/build.log"; exit 1; }
cmp "$tmp/default.w2lm" "$src/models/lm/default.w2lm" \
  || { echo "models/lm/default.w2lm differs from scripts/build-lm.sh's output"; exit 1; }
echo "1 passed, 0 failed"
