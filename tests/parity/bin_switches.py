#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The switches that disable pytorch_model.bin, end to end, on a reference model and its
.bin twin (tests/reference, BIN_TWINS):

- w2vee transcribe of the twin prints the same transcript as of the safetensors model;
- --no-pickle and W2VEE_NO_PICKLE=1 make it exit 1 with a message saying .bin reading is
  disabled; W2VEE_NO_PICKLE=0 does not; --no-pickle leaves safetensors models alone
  (transcribe, bench, eval --help lists it);
- the element: allow-pickle defaults to TRUE (the twin transcribes), allow-pickle=false
  fails the pipeline with the same message.

usage: bin_switches.py --w2vee W2VEE --refs REF_ROOT --name NAME
(GST_PLUGIN_PATH: the built plugin; W2VEE_TEST_GST_PRELOAD: the ASan runtime, in an ASan
build). The harness is tests/w2vee_testlib.py (on PYTHONPATH).
"""

import os

import w2vee_testlib as testlib

DISABLED = "pytorch_model.bin is disabled"


def run(cmd, env=None, timeout=120):
    unset = ["W2VEE_NO_PICKLE", "W2VEE_TEST_GST_PRELOAD"]
    extra = {}
    preload = os.environ.get("W2VEE_TEST_GST_PRELOAD", "")
    if not cmd[0].startswith("gst-"):
        # w2vee decodes audio with GStreamer but needs no plugin of ours: keep its plugin
        # scan (whose scanner may fail to load an ASan plugin) out of our registry.
        unset += ["GST_PLUGIN_PATH", "GST_REGISTRY_1_0"]
    elif preload:
        # An ASan build: the GStreamer tools load the instrumented plugin.
        extra = {"LD_PRELOAD": preload, "ASAN_OPTIONS": "detect_leaks=0"}
    return testlib.run(cmd, env={**extra, **(env or {})}, unset=unset, timeout=timeout)


def case_switches(args):
    w2vee, root, name = args.w2vee, args.refs, args.name
    registry = os.environ.get("GST_REGISTRY_1_0")
    if registry and os.path.exists(registry):
        os.remove(registry)  # this test's own: a stale one may have blacklisted the plugin
    st_model = os.path.join(root, name, "model")
    bin_model = os.path.join(root, name + "_bin", "model")
    clip = os.path.join(root, "clip.wav")
    c = testlib.Checks()

    def check(what, ok, detail=""):
        c.check(ok, what, detail)

    ref = run([w2vee, "transcribe", "-m", st_model, clip])
    check("transcribe safetensors", ref.status == 0, ref.err)
    r = run([w2vee, "transcribe", "-m", bin_model, clip])
    check("transcribe .bin: same transcript", r.status == 0 and r.out == ref.out
          and ref.out.strip() != "", f"{r.status} {r.out!r} vs {ref.out!r}")
    r = run([w2vee, "transcribe", "--no-pickle", "-m", bin_model, clip])
    check("transcribe --no-pickle refuses .bin", r.status == 1 and DISABLED in r.err
          and r.out == "", f"{r.status} {r.err!r}")
    r = run([w2vee, "transcribe", "-m", bin_model, clip], {"W2VEE_NO_PICKLE": "1"})
    check("W2VEE_NO_PICKLE=1 refuses .bin", r.status == 1 and DISABLED in r.err,
          f"{r.status} {r.err!r}")
    r = run([w2vee, "transcribe", "-m", bin_model, clip], {"W2VEE_NO_PICKLE": "0"})
    check("W2VEE_NO_PICKLE=0 allows .bin", r.status == 0 and r.out == ref.out,
          f"{r.status} {r.err!r}")
    r = run([w2vee, "transcribe", "--no-pickle", "-m", st_model, clip])
    check("transcribe --no-pickle on safetensors", r.status == 0 and
          r.out == ref.out, f"{r.status} {r.err!r}")
    r = run([w2vee, "bench", "--no-pickle", "-m", bin_model, "-s", "1", "-r", "1"])
    check("bench --no-pickle refuses .bin", r.status == 1 and DISABLED in r.err,
          f"{r.status} {r.err!r}")
    r = run([w2vee, "bench", "-m", bin_model, "-s", "1", "-r", "1", "-e", "1"])
    check("bench .bin", r.status == 0 and "ready_ms=" in r.out, r.err)
    for cmd in ("transcribe", "bench", "eval"):
        r = run([w2vee, cmd, "--help"])
        check(f"{cmd} --help lists --no-pickle", "--no-pickle" in r.out, r.out[-300:])

    def launch(model, *props):
        return run(["gst-launch-1.0", "-m", "filesrc", f"location={clip}", "!", "wavparse",
                    "!", "audioconvert", "!", "audioresample", "!", "wav2vec2ee",
                    f"model={model}", *props, "!", "fakesink"])

    r = run(["gst-inspect-1.0", "wav2vec2ee"])
    check("element has allow-pickle, default true", "allow-pickle" in r.out and
          "Boolean. Default: true" in r.out.split("allow-pickle", 1)[-1][:400],
          (r.out + r.err)[-600:])
    r = launch(bin_model)
    check("element loads .bin by default", r.status == 0 and "wav2vec2ee" in r.out
          and "text=(string)" in r.out, f"{r.status} {r.out[-400:]}")
    r = launch(bin_model, "allow-pickle=false")
    out = r.out + r.err
    check("element allow-pickle=false refuses .bin", r.status != 0 and DISABLED in out,
          f"{r.status} {out[-400:]}")
    c.done()


if __name__ == "__main__":
    testlib.main({"switches": case_switches}, "the switches that disable pytorch_model.bin",
                 required=["--w2vee", "--refs", "--name"])
