#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Smoke tests of `w2vee bench` and of the peer benchmark harness bench/run.py, run by
meson test (one CASE per test). They check formats and that everything runs, never
timings: benchmarks are not unit tests.

    test_bench.py --w2vee PATH --refs DIR --workdir DIR [CASE...]
    test_bench.py --build BUILDDIR --python /usr/bin/python3 --workdir DIR harness|harness-ort

DIR (--refs) is the output of tests/reference/gen_models.py; the `w2vee bench` cases use
its small_group model. The harness cases run bench/run.py on its tiny "small" config
(1 s of audio, 1 run, 1 thread). Only the Python standard library is used here; the
harness is tests/w2vee_testlib.py (on PYTHONPATH).
"""

import json
import math
import os
import re
import shutil

import w2vee_testlib as testlib
from w2vee_testlib import SR, check

HEADER = re.compile(r"^model=(.+) seconds=(\S+) samples=(\d+) frames=(\d+) threads=(\d+) "
                    r"repeat=(\d+) warmup=(\d+)$")
EXIT = re.compile(r"^exit=(\d+) layer=(\d+) rtf=(\d+\.\d+) gflops=(\d+\.\d+)$")
READY = re.compile(r"^ready_ms=(\d+\.\d+)$")
RSS = re.compile(r"^peak_rss_mb=(\d+\.\d+)$")
STAGE = re.compile(r"^stage exit=(\d+) name=([a-z]+) ms=(\d+\.\d+) share=(\d+\.\d+)$")
STAGES = ["conv", "projection", "attention", "ffn", "heads"]


def run(cmd, expect=None, timeout=240):
    return testlib.run(cmd, expect=expect, timeout=timeout, unset=["W2VEE_MODEL"])


class Refs:
    """The small_group reference model, for the `w2vee bench` cases."""

    def __init__(self, args):
        check(args.w2vee and args.refs, "the w2vee bench cases need --w2vee and --refs")
        refs = testlib.RefModels(args.refs)
        self.w2vee = args.w2vee
        self.refs = args.refs
        self.model = refs.model("small_group")
        # exit layers as the PyTorch reference has them (the even-spacing rule)
        self.layers = [e["layer"] for e in refs.ref("small_group")["exits"]]


def parse_bench(out, seconds, threads, repeat, exits, layers, profile=False):
    """Checks `w2vee bench` output line by line; returns {exit: (rtf, gflops)}."""
    lines = out.splitlines()
    check(lines, "no output")
    m = HEADER.match(lines[0])
    check(m, f"bad header line {lines[0]!r}")
    n = round(seconds * SR)
    frames = (n - 400) // 320 + 1  # wav2vec2 strides of the small_group conv stack too
    check(float(m.group(2)) == seconds and int(m.group(3)) == n
          and int(m.group(4)) == frames and int(m.group(5)) == threads
          and int(m.group(6)) == repeat and int(m.group(7)) == 1,
          f"header {lines[0]!r}: want seconds={seconds:g} samples={n} frames={frames} "
          f"threads={threads} repeat={repeat} warmup=1")
    check(READY.match(lines[1]), f"second line {lines[1]!r} is not ready_ms=X")
    check(RSS.match(lines[-1]), f"last line {lines[-1]!r} is not peak_rss_mb=X")
    check(float(RSS.match(lines[-1]).group(1)) > 0, "peak_rss_mb is 0")
    res = {}
    body = lines[2:-1]
    per_exit = 1 + (len(STAGES) if profile else 0)
    check(len(body) == per_exit * len(exits),
          f"{len(body)} lines between ready_ms and peak_rss_mb, want {per_exit * len(exits)}")
    for i, e in enumerate(exits):
        line = body[i * per_exit]
        m = EXIT.match(line)
        check(m, f"{line!r} does not match 'exit=E layer=L rtf=X gflops=Y'")
        check(int(m.group(1)) == e and int(m.group(2)) == layers[e - 1],
              f"{line!r}: want exit={e} layer={layers[e - 1]}")
        rtf, gflops = float(m.group(3)), float(m.group(4))
        check(rtf > 0 and gflops > 0 and math.isfinite(rtf * gflops), f"{line!r}: not > 0")
        res[e] = (rtf, gflops)
        if profile:
            shares = 0.0
            for j, name in enumerate(STAGES):
                s = STAGE.match(body[i * per_exit + 1 + j])
                check(s and int(s.group(1)) == e and s.group(2) == name,
                      f"{body[i * per_exit + 1 + j]!r}: want 'stage exit={e} name={name} "
                      "ms=X share=F'")
                shares += float(s.group(4))
            check(abs(shares - 1.0) < 0.01, f"exit {e}: stage shares sum to {shares}")
    return res


def case_lines(r):
    _, out, _ = run([r.w2vee, "bench", "-m", r.model, "--seconds", "1", "-t", "1", "-r", "1"],
                    expect=0)
    res = parse_bench(out, 1.0, 1, 1, list(range(1, len(r.layers) + 1)), r.layers)
    # GFLOP per audio-second (gflops * rtf) grows with depth: deeper exits do more work
    work = [res[e][0] * res[e][1] for e in sorted(res)]
    check(all(a < b for a, b in zip(work, work[1:])), f"GFLOP per audio-s {work} not rising")


def case_one_exit(r):
    _, out, _ = run([r.w2vee, "bench", "-m", r.model, "-e", "2", "--seconds", "0.5",
                     "--threads", "2", "--repeat", "2"], expect=0)
    parse_bench(out, 0.5, 2, 2, [2], r.layers)


def case_profile(r):
    _, out, _ = run([r.w2vee, "bench", "-m", r.model, "-e", "all", "-s", "1", "-t", "1",
                     "-r", "1", "--profile"], expect=0)
    parse_bench(out, 1.0, 1, 1, list(range(1, len(r.layers) + 1)), r.layers, profile=True)


def case_usage_errors(r):
    n = len(r.layers)
    for args in (["-e", "0"], ["-e", "x"], ["-e", str(n + 1)], ["--seconds", "0"],
                 ["--seconds", "-1"], ["--seconds", "nan"], ["-r", "0"], ["-t", "0"],
                 ["--seconds", "0.01"], ["extra-argument"], ["--no-such-option"]):
        _, out, err = run([r.w2vee, "bench", "-m", r.model] + args, expect=2)
        check(out == "", f"{args}: usage error wrote to stdout: {out!r}")
        check(err.startswith("w2vee bench: "), f"{args}: message {err!r}")
    _, out, err = run([r.w2vee, "bench", "-m", os.path.join(r.refs, "no-such-model")],
                      expect=1)
    check(out == "" and "cannot load the model" in err, f"missing model: {err!r}")


# ---------------------------------------------------------------------------
# bench/run.py on the tiny config
# ---------------------------------------------------------------------------

def harness(args, contenders):
    check(args.python, "the harness cases need --python")
    out = os.path.join(args.workdir, "harness-out")
    build = args.build or testlib.build_root()
    _, text, _ = run([args.python, os.path.join(testlib.source_root(), "bench", "run.py"),
                      "--build", build, "--config", "small", "--seconds", "1", "--repeat", "1",
                      "--threads", "1", "--contenders", ",".join(contenders),
                      "--out", out], expect=0, timeout=300)
    print(text)
    with open(os.path.join(out, "small", "results.json")) as f:
        res = json.load(f)
    exits = res["exits"]
    check(exits == [1, 2, 3], f"exits {exits}")
    for c in contenders:
        rows = res["parity"][c]
        check([r[0] for r in rows] == exits and all(r[3] for r in rows),
              f"{c}: logits check {rows}")
        t = res["by_length"]["1.0"]["contenders"][c]
        for e in exits:
            v = t["exits"][str(e)]
            check(v["rtf"] > 0, f"{c} exit {e}: rtf {v['rtf']}")
        check(t["ready_ms"] > 0 and t["peak_rss_mb"] > 0, f"{c}: ready/RSS {t}")
    check(res["by_length"]["1.0"]["roofline_gflops"] > 0, "no roofline")
    rows = [line for line in text.splitlines() if re.match(r"^\| [123] \| [246] \| ", line)]
    check(len(rows) == 3, f"table rows {rows}")
    return text


def case_harness(args):
    text = harness(args, ["w2vee", "torch"])
    check("NOT MEASURED here: ONNX Runtime" in text, "the table does not say ORT was left out")
    print("NOTE: this test runs w2vee and PyTorch only; ONNX Runtime (npm) is covered by "
          "bench-harness-ort")


def case_harness_ort(args):
    pkg = os.path.join(testlib.source_root(), "bench", "node_modules", "onnxruntime-node",
                       "package.json")
    if shutil.which("node") is None or not os.path.exists(pkg):
        raise testlib.Skip("onnxruntime-node is not installed in bench/node_modules "
                           "(cd bench && npm ci --ignore-scripts)")
    harness(args, ["w2vee", "ort", "torch"])


def w2vee_case(fn):
    """A `w2vee bench` case: takes the small_group model (Refs) made from the args."""
    return lambda args: fn(Refs(args))


def setup(args):
    os.makedirs(args.workdir, exist_ok=True)
    return args


CASES = {
    "lines": w2vee_case(case_lines),
    "one-exit": w2vee_case(case_one_exit),
    "profile": w2vee_case(case_profile),
    "usage-errors": w2vee_case(case_usage_errors),
    "harness": case_harness,
    "harness-ort": case_harness_ort,
}

if __name__ == "__main__":
    testlib.main(CASES, "w2vee bench and bench/run.py smoke tests", required=["--workdir"],
                 optional=["--w2vee", "--refs", "--build", "--python"], setup=setup)
