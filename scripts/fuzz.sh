#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# Runs every libFuzzer target of tests/fuzz for a bounded time (docs/reliability.md
# "Fuzzing"): builds build-fuzz/ (clang, -Dfuzzing=true, ASan+UBSan), then runs each
# fuzz-* executable it finds there for SECONDS (default 25) on its generated seeds
# (BUILD/tests/fuzz/seeds/NAME) and the committed regression corpus
# (tests/fuzz/corpus/NAME), with inputs up to 1 MiB (big safetensors headers).
# New coverage goes to a scratch corpus; a crash leaves build-fuzz/tests/fuzz/crash-NAME-*
# and fails the script. Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-25}
root=$PWD
build=build-fuzz
[ -f $build/build.ninja ] || CC=clang meson setup $build -Dfuzzing=true \
  -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
targets=$(ninja -C $build -t targets all | sed -n 's|^\(tests/fuzz/fuzz-[a-z0-9_-]*\): .*|\1|p' | sort -u)
[ -n "$targets" ] || { echo "no fuzz target in $build" >&2; exit 1; }
ninja -C $build $targets tests/fuzz/seeds
cd $build/tests/fuzz
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
failed=""
for t in $targets; do
  name=${t#tests/fuzz/fuzz-}
  dirs=()
  for d in seeds/$name "$root/tests/fuzz/corpus/$name"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  dict=()
  if [ -f "$root/tests/fuzz/$name.dict" ]; then
    dict=(-dict="$root/tests/fuzz/$name.dict")
  else
    case $name in safetensors|config|vocab|model) dict=(-dict="$root/tests/fuzz/json.dict") ;; esac
  fi
  scratch=$(mktemp -d)
  echo "== fuzz-$name: ${seconds}s on ${dirs[*]:-no seeds}"
  if ! ./fuzz-$name -max_total_time="$seconds" -max_len=1048576 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix=crash-$name- "$scratch" "${dirs[@]}" > fuzz-$name.log 2>&1; then
    failed="$failed $name"
    tail -n 60 fuzz-$name.log
  else
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' fuzz-$name.log || true
  fi
  rm -rf "$scratch"
done
if [ -n "$failed" ]; then
  echo "fuzzing found a crash in:$failed (build-fuzz/tests/fuzz/crash-*)" >&2
  exit 1
fi
echo "fuzzing: every target ran ${seconds}s without a crash"
