#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Smoke tests of `w2vee bench` and of the peer benchmark harness bench/run.py, run by
meson test (one CASE per test). They check formats and that everything runs, never
timings: benchmarks are not unit tests.

    test_bench.py --w2vee PATH --refs DIR --workdir DIR CASE
    test_bench.py --build BUILDDIR --python /usr/bin/python3 --workdir DIR harness|harness-ort

DIR (--refs) is the output of tests/reference/gen_models.py; the `w2vee bench` cases use
its small_group model. The harness cases run bench/run.py on its tiny "small" config
(1 s of audio, 1 run, 1 thread). Only the Python standard library is used here.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys

SR = 16000
SKIP = 77  # meson's exit status for a skipped test

HEADER = re.compile(r"^model=(.+) seconds=(\S+) samples=(\d+) frames=(\d+) threads=(\d+) "
                    r"repeat=(\d+) warmup=(\d+)$")
EXIT = re.compile(r"^exit=(\d+) layer=(\d+) rtf=(\d+\.\d+) gflops=(\d+\.\d+)$")
READY = re.compile(r"^ready_ms=(\d+\.\d+)$")
RSS = re.compile(r"^peak_rss_mb=(\d+\.\d+)$")
STAGE = re.compile(r"^stage exit=(\d+) name=([a-z]+) ms=(\d+\.\d+) share=(\d+\.\d+)$")
STAGES = ["conv", "projection", "attention", "ffn", "heads"]


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def run(cmd, expect=None, timeout=240):
    env = dict(os.environ)
    env.pop("W2VEE_MODEL", None)
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                       timeout=timeout)
    print("$", " ".join(str(c) for c in cmd), "->", p.returncode)
    if p.stderr:
        print("  stderr:", p.stderr.rstrip().replace("\n", "\n          "))
    if expect is not None and p.returncode != expect:
        raise Failure(f"exit status {p.returncode}, expected {expect}\nstdout: {p.stdout}")
    return p.returncode, p.stdout, p.stderr


class Refs:
    def __init__(self, args):
        self.w2vee = args.w2vee
        self.refs = args.refs
        unavailable = os.path.join(self.refs, "UNAVAILABLE")
        if os.path.exists(unavailable):
            with open(unavailable) as f:
                raise Failure("reference models unavailable: " + f.read().strip())
        if not os.path.isdir(os.path.join(self.refs, "small_group")):
            raise Failure(f"no reference models in {self.refs} (build the ref-models target)")
        self.model = os.path.join(self.refs, "small_group", "model")
        with open(os.path.join(self.refs, "small_group", "ref", "reference.json")) as f:
            # exit layers as the PyTorch reference has them (the even-spacing rule)
            self.layers = [e["layer"] for e in json.load(f)["exits"]]


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
    root = os.environ.get("W2VEE_SOURCE_ROOT") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.join(args.workdir, "harness-out")
    _, text, _ = run([args.python, os.path.join(root, "bench", "run.py"), "--build",
                      args.build, "--config", "small", "--seconds", "1", "--repeat", "1",
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
    root = os.environ.get("W2VEE_SOURCE_ROOT") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pkg = os.path.join(root, "bench", "node_modules", "onnxruntime-node", "package.json")
    if shutil.which("node") is None or not os.path.exists(pkg):
        raise Skip("onnxruntime-node is not installed in bench/node_modules "
                   "(cd bench && npm ci --ignore-scripts)")
    harness(args, ["w2vee", "ort", "torch"])


CASES = {
    "lines": case_lines,
    "one-exit": case_one_exit,
    "profile": case_profile,
    "usage-errors": case_usage_errors,
}
HARNESS_CASES = {
    "harness": case_harness,
    "harness-ort": case_harness_ort,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--w2vee")
    ap.add_argument("--refs")
    ap.add_argument("--build")
    ap.add_argument("--python")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=sorted(CASES) + sorted(HARNESS_CASES))
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    try:
        if args.case in CASES:
            if not args.w2vee or not args.refs:
                ap.error(f"{args.case} needs --w2vee and --refs")
            CASES[args.case](Refs(args))
        else:
            if not args.build or not args.python:
                ap.error(f"{args.case} needs --build and --python")
            HARNESS_CASES[args.case](args)
    except Failure as f:
        print("FAIL:", f)
        return 1
    except Skip as s:
        print("SKIP:", s)
        return SKIP
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
