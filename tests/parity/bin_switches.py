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

usage: bin_switches.py W2VEE REF_ROOT NAME      (GST_PLUGIN_PATH: the built plugin;
W2VEE_TEST_GST_PRELOAD: the ASan runtime, in an ASan build)
"""

import os
import subprocess
import sys

DISABLED = "pytorch_model.bin is disabled"


def run(cmd, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("W2VEE_NO_PICKLE", None)
    preload = e.pop("W2VEE_TEST_GST_PRELOAD", "")
    if not cmd[0].startswith("gst-"):
        # w2vee decodes audio with GStreamer but needs no plugin of ours: keep its plugin
        # scan (whose scanner may fail to load an ASan plugin) out of our registry.
        e.pop("GST_PLUGIN_PATH", None)
        e.pop("GST_REGISTRY_1_0", None)
    elif preload:
        # An ASan build: the GStreamer tools load the instrumented plugin.
        e["LD_PRELOAD"] = preload
        e["ASAN_OPTIONS"] = "detect_leaks=0"
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout)


def main():
    w2vee, root, name = sys.argv[1:4]
    registry = os.environ.get("GST_REGISTRY_1_0")
    if registry and os.path.exists(registry):
        os.remove(registry)  # this test's own: a stale one may have blacklisted the plugin
    st_model = os.path.join(root, name, "model")
    bin_model = os.path.join(root, name + "_bin", "model")
    clip = os.path.join(root, "clip.wav")
    failures, checks = [], []

    def check(what, ok, detail=""):
        checks.append(what)
        print(f"{'ok' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
        if not ok:
            failures.append(what)

    ref = run([w2vee, "transcribe", "-m", st_model, clip])
    check("transcribe safetensors", ref.returncode == 0, ref.stderr)
    r = run([w2vee, "transcribe", "-m", bin_model, clip])
    check("transcribe .bin: same transcript", r.returncode == 0 and r.stdout == ref.stdout
          and ref.stdout.strip() != "", f"{r.returncode} {r.stdout!r} vs {ref.stdout!r}")
    r = run([w2vee, "transcribe", "--no-pickle", "-m", bin_model, clip])
    check("transcribe --no-pickle refuses .bin", r.returncode == 1 and DISABLED in r.stderr
          and r.stdout == "", f"{r.returncode} {r.stderr!r}")
    r = run([w2vee, "transcribe", "-m", bin_model, clip], {"W2VEE_NO_PICKLE": "1"})
    check("W2VEE_NO_PICKLE=1 refuses .bin", r.returncode == 1 and DISABLED in r.stderr,
          f"{r.returncode} {r.stderr!r}")
    r = run([w2vee, "transcribe", "-m", bin_model, clip], {"W2VEE_NO_PICKLE": "0"})
    check("W2VEE_NO_PICKLE=0 allows .bin", r.returncode == 0 and r.stdout == ref.stdout,
          f"{r.returncode} {r.stderr!r}")
    r = run([w2vee, "transcribe", "--no-pickle", "-m", st_model, clip])
    check("transcribe --no-pickle on safetensors", r.returncode == 0 and
          r.stdout == ref.stdout, f"{r.returncode} {r.stderr!r}")
    r = run([w2vee, "bench", "--no-pickle", "-m", bin_model, "-s", "1", "-r", "1"])
    check("bench --no-pickle refuses .bin", r.returncode == 1 and DISABLED in r.stderr,
          f"{r.returncode} {r.stderr!r}")
    r = run([w2vee, "bench", "-m", bin_model, "-s", "1", "-r", "1", "-e", "1"])
    check("bench .bin", r.returncode == 0 and "ready_ms=" in r.stdout, r.stderr)
    for cmd in ("transcribe", "bench", "eval"):
        r = run([w2vee, cmd, "--help"])
        check(f"{cmd} --help lists --no-pickle", "--no-pickle" in r.stdout, r.stdout[-300:])

    def launch(model, *props):
        return run(["gst-launch-1.0", "-m", "filesrc", f"location={clip}", "!", "wavparse",
                    "!", "audioconvert", "!", "audioresample", "!", "wav2vec2ee",
                    f"model={model}", *props, "!", "fakesink"])

    r = run(["gst-inspect-1.0", "wav2vec2ee"])
    check("element has allow-pickle, default true", "allow-pickle" in r.stdout and
          "Boolean. Default: true" in r.stdout.split("allow-pickle", 1)[-1][:400],
          (r.stdout + r.stderr)[-600:])
    r = launch(bin_model)
    check("element loads .bin by default", r.returncode == 0 and "wav2vec2ee" in r.stdout
          and "text=(string)" in r.stdout, f"{r.returncode} {r.stdout[-400:]}")
    r = launch(bin_model, "allow-pickle=false")
    out = r.stdout + r.stderr
    check("element allow-pickle=false refuses .bin", r.returncode != 0 and DISABLED in out,
          f"{r.returncode} {out[-400:]}")
    print(f"{len(checks) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
