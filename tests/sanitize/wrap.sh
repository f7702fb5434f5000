#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# The test wrapper of `scripts/test.sh --sanitize` (meson test --wrapper): runs one test
# of the ASan+UBSan build (build-sanitize/).
#
# A test program of this project is linked with the ASan runtime: it runs as is, leak
# checking on. Anything else (/usr/bin/python3, gst-inspect-1.0, a shell script) is an
# uninstrumented host that loads instrumented code (the plugin, libw2vee through
# PyGObject, the w2vee CLI it spawns): the runtime must be the first library of the
# process, so it is preloaded (and inherited by the programs it starts). In such a host
# leak checking is off: CPython and torch keep their arenas to the end on purpose, and
# LeakSanitizer would report them; the element's objects are still checked there by
# GStreamer's leaks tracer (the pipeline tests run under it).
#
# Whatever a test starts by name goes through small scripts put first on PATH:
# gst-launch-1.0 and gst-inspect-1.0 (hosts of the instrumented plugin) get the runtime
# preloaded, leak checking off; espeak-ng, sox, node and npm (which never load project
# code; espeak-ng hangs at start-up under the runtime) run without it.
set -euo pipefail
cc=${CC:-gcc}
runtime="$(readlink -f "$("$cc" -print-file-name=libasan.so)") $(readlink -f "$("$cc" -print-file-name=libubsan.so)")"
shims=${TMPDIR:-/tmp}/w2vee-sanitize-bin-$(id -u)
mkdir -p "$shims"
shim () {  # NAME PRELOAD: a script running the real NAME with LD_PRELOAD=PRELOAD
  local real
  real=$(PATH=${PATH//$shims:/} command -v "$1" || true)
  [ -n "$real" ] || return 0
  if [ -n "$2" ]; then
    printf '#!/bin/sh\nLD_PRELOAD="%s"\nASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"\nexport LD_PRELOAD ASAN_OPTIONS\nexec %s "$@"\n' \
      "$2" "$real" > "$shims/$1.$$"
  else
    printf '#!/bin/sh\nunset LD_PRELOAD\nexec %s "$@"\n' "$real" > "$shims/$1.$$"
  fi
  chmod +x "$shims/$1.$$"
  mv -f "$shims/$1.$$" "$shims/$1"
}
for tool in gst-launch-1.0 gst-inspect-1.0; do shim "$tool" "$runtime"; done
# uninstrumented programs the tests run (speech synthesis, audio, Node.js): without
# the runtime (espeak-ng hangs at start-up with it; flite and festival as well)
for tool in espeak-ng sox node npm flite festival text2wave irstlm tlm; do shim "$tool" ""; done
case ":$PATH:" in *":$shims:"*) ;; *) export PATH="$shims:$PATH" ;; esac

prog=$1
elf=$(command -v -- "$prog" || true)
if [ -n "$elf" ] && [ -f "$elf" ] && head -c 4 "$elf" | grep -q ELF &&
   readelf -d "$elf" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
  # GStreamer programs: GLib's quark table leaks its first block on purpose once a
  # registry scan makes over 2048 quarks; its stack (GLib's constructor, _dl_init) is
  # only seen by the slow unwinder (GLib has no frame pointers), which
  # tests/sanitize/lsan.supp then matches. 8 frames keep it about 2x slower, not 4x.
  if readelf -d "$elf" 2>/dev/null | grep -q 'NEEDED.*libgst'; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0:malloc_context_size=8"
  fi
  exec "$@"
fi
export LD_PRELOAD="$runtime${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
exec "$@"
