#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""gst-inspect-1.0 wav2vec2ee: runs cleanly and documents every property.

Checks that gst-inspect-1.0 exits with 0, prints no GLib/GStreamer warning or
critical, shows the element's klass and pads, and that the blurb of each of the
element's own properties states its unit or range (the table below). Run by
meson with GST_PLUGIN_PATH pointing at the uninstalled plugin.
"""

import os
import re
import subprocess
import sys

# property -> what its blurb must say (unit, range or meaning of special values)
UNITS = {
    "model": ["directory", "W2VEE_MODEL"],
    "exit": ["1 (shallowest", "n-exits (deepest)", "0 = the deepest"],
    "n-exits": ["Number of exits"],
    "exit-layers": ["(1-based)"],
    "exit-layers-string": ["comma-separated", "GstValueArray"],
    "noise-margin": ["dB", "0 = no noise tracking"],
    "partial-interval": ["nanoseconds", "final=false", "0 = no"],
    "silence-threshold": ["dBFS", "10 ms"],
    "min-silence": ["nanoseconds", "10 ms .. 10 s"],
    "chunk-duration": ["nanoseconds", "1 s .. 30 s"],
    "threads": ["0 = one per online CPU"],
    "allow-pickle": ["pytorch_model.bin", "FALSE: safetensors only"],
}
INHERITED = {"name", "parent", "qos"}


def main():
    env = dict(os.environ)
    p = subprocess.run(["gst-inspect-1.0", "wav2vec2ee"], capture_output=True,
                       env=env, timeout=50)
    out = p.stdout.decode("utf-8")
    err = p.stderr.decode("utf-8")
    print(out)
    if err:
        print("stderr:", err, file=sys.stderr)
    failures = []
    if p.returncode != 0:
        failures.append(f"gst-inspect-1.0 exited with {p.returncode}")
    for stream, text in (("stdout", out), ("stderr", err)):
        for word in ("WARNING", "CRITICAL", "Gtk-", "GLib-", "GStreamer-"):
            if word in text:
                failures.append(f"{stream} contains {word!r}")
    for needle in ("Filter/Analyzer/Audio", "SRC template: 'text_src'",
                   "text/x-raw", "format: { (string)F32LE, (string)S16LE }",
                   "rate: 16000"):
        if needle not in out:
            failures.append(f"output lacks {needle!r}")

    props = {}
    section = out.split("Element Properties:", 1)[-1]
    for m in re.finditer(r"^  ([a-z][a-z0-9-]*)\s+: (.*)$", section, re.M):
        props[m.group(1)] = m.group(2)
    own = set(props) - INHERITED
    if own != set(UNITS):
        failures.append(f"properties {sorted(own)} != documented {sorted(UNITS)}")
    for name, needles in UNITS.items():
        blurb = props.get(name, "")
        for needle in needles:
            if needle not in blurb:
                failures.append(f"blurb of {name} lacks {needle!r}: {blurb!r}")

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
