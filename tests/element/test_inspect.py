#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""gst-inspect-1.0 wav2vec2ee: runs cleanly and documents every property.

Checks that gst-inspect-1.0 exits with 0, prints no GLib/GStreamer warning or
critical, shows the element's klass and pads, and that the blurb of each of the
element's own properties states its unit or range (the table below). Run by
meson with GST_PLUGIN_PATH pointing at the uninstalled plugin; the harness is
tests/w2vee_testlib.py (on PYTHONPATH).
"""

import re

import w2vee_testlib as testlib

# property -> what its blurb must say (unit, range or meaning of special values)
UNITS = {
    "model": ["directory", "W2VEE_MODEL"],
    "exit": ["1 (shallowest", "n-exits (deepest)", "0 = the deepest"],
    "n-exits": ["Number of exits"],
    "exit-layers": ["(1-based)"],
    "exit-layers-string": ["comma-separated", "GstValueArray"],
    "noise-margin": ["dB", "0 = no noise tracking"],
    "exit-policy": ["fixed", "confidence", "deadline", "deepest allowed"],
    "exit-threshold": ["0..1", "-1 = the"],
    "max-latency": ["nanoseconds", "exit 1"],
    "lm": ["ARPA", "default", "NULL: greedy"],
    "lexicon": ["flashlight", "NULL: the LM's words"],
    "beam-size": ["1 .. 10000"],
    "lm-weight": ["natural log", "0 .. 100"],
    "word-score": ["natural log", "-100 .. 100"],
    "partial-interval": ["nanoseconds", "final=false", "0 = no"],
    "silence-threshold": ["dBFS", "10 ms"],
    "min-silence": ["nanoseconds", "10 ms .. 10 s"],
    "chunk-duration": ["nanoseconds", "1 s .. 30 s"],
    "threads": ["0 = one per online CPU"],
    "precision": ["fp32", "bf16", "int8", "feed-forward", "conv encoder",
                  "docs/performance.md", "READY->PAUSED"],
    "compute": ["openblas", "dnnl", "W2VEE_COMPUTE", "docs/performance.md"],
    "allow-pickle": ["pytorch_model.bin", "FALSE: safetensors only"],
}
INHERITED = {"name", "parent", "qos"}


def case_inspect(_):
    r = testlib.run(["gst-inspect-1.0", "wav2vec2ee"], timeout=50, show_out=True)
    c = testlib.Checks()  # every failure is listed, not just the first
    c.check(r.status == 0, f"gst-inspect-1.0 exited with {r.status}")
    for stream, text in (("stdout", r.out), ("stderr", r.err)):
        for word in ("WARNING", "CRITICAL", "Gtk-", "GLib-", "GStreamer-"):
            c.check(word not in text, f"{stream} contains {word!r}")
    for needle in ("Filter/Analyzer/Audio", "SRC template: 'text_src'",
                   "text/x-raw", "format: { (string)F32LE, (string)S16LE }",
                   "rate: 16000"):
        c.check(needle in r.out, f"output lacks {needle!r}")

    props = {}
    section = r.out.split("Element Properties:", 1)[-1]
    for m in re.finditer(r"^  ([a-z][a-z0-9-]*)\s+: (.*)$", section, re.M):
        props[m.group(1)] = m.group(2)
    own = set(props) - INHERITED
    c.check(own == set(UNITS), f"properties {sorted(own)} != documented {sorted(UNITS)}")
    for name, needles in UNITS.items():
        blurb = props.get(name, "")
        for needle in needles:
            c.check(needle in blurb, f"blurb of {name} lacks {needle!r}: {blurb!r}")
    c.done()


if __name__ == "__main__":
    testlib.main({"inspect": case_inspect}, __doc__.splitlines()[0])
