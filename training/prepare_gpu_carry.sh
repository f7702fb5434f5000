#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# Copies what training/gpu_run.sh needs on the GPU machine but which is not in git into
# .devcarry/ (git-ignored; name it in the device tool's `carry` list):
#   .devcarry/espeak/bin/espeak-ng          the binary
#   .devcarry/espeak/lib/*.so*              its shared libraries (ldd; not libc/libm/loader)
#   .devcarry/espeak/espeak-ng-data/        its data, English dictionary only
#   .devcarry/fortunes/                     the fortune text files (no .dat / .u8)
# Usage (repo root): sh training/prepare_gpu_carry.sh
set -eu
cd "$(dirname "$0")/.."
dest=.devcarry
espeak=${ESPEAK:-/usr/bin/espeak-ng}
data=${ESPEAK_DATA:-/usr/lib/x86_64-linux-gnu/espeak-ng-data}
fortunes=${FORTUNES:-/usr/share/games/fortunes}

rm -rf "$dest/espeak" "$dest/fortunes"
mkdir -p "$dest/espeak/bin" "$dest/espeak/lib" "$dest/fortunes"
cp -L "$espeak" "$dest/espeak/bin/espeak-ng"
ldd "$espeak" | awk '/=> \//{print $3}' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so.*|libm.so.*|ld-linux*) ;;
    *) cp -L "$lib" "$dest/espeak/lib/" ;;
  esac
done
mkdir -p "$dest/espeak/espeak-ng-data"
for f in "$data"/*; do
  case "$(basename "$f")" in
    *_dict) [ "$(basename "$f")" = en_dict ] && cp -rL "$f" "$dest/espeak/espeak-ng-data/" ;;
    *) cp -rL "$f" "$dest/espeak/espeak-ng-data/" ;;
  esac
done
for f in "$fortunes"/*; do
  name=$(basename "$f")
  case "$name" in *.*) continue ;; esac
  [ -f "$f" ] && [ ! -L "$f" ] && cp "$f" "$dest/fortunes/"
done
du -sh "$dest/espeak" "$dest/fortunes"
