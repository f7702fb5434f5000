#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""End-to-end tests of `w2vee transcribe`, run by meson test (one CASE per test).

    test_cli.py --w2vee PATH --refs DIR --workdir DIR [CASE...]

DIR is the output of tests/reference/gen_models.py: random-weight models in the Hugging
Face layout with PyTorch's logits and greedy transcripts of a speech clip (the reference
this compares against). Only the Python standard library is used; the harness is
tests/w2vee_testlib.py (on PYTHONPATH).
"""

import json
import math
import os
import re
import shutil
import struct
import subprocess

import w2vee_testlib as testlib
from w2vee_testlib import SR, check, read_wav, write_wav

DUMP_MAX_SECONDS = 60


class Env(testlib.RefModels):
    def __init__(self, args):
        super().__init__(args.refs)
        self.w2vee = args.w2vee
        self.tmp = testlib.scratch_dir(args.workdir, "cli-")

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run(self, *args, env=None, expect=None):
        """(status, stdout, stderr) of `w2vee ARGS` without $W2VEE_MODEL (unless @env
        sets it)."""
        return testlib.run([self.w2vee, *args], expect=expect, env=env,
                           unset=["W2VEE_MODEL"])


def read_f32(path):
    with open(path, "rb") as f:
        data = f.read()
    check(len(data) % 4 == 0, f"{path}: {len(data)} bytes is not a whole number of floats")
    return struct.unpack(f"<{len(data) // 4}f", data)


def silence(seconds):
    return b"\0\0" * int(seconds * SR)


# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------

def case_help(e):
    _, out, _ = e.run("--help", expect=0)
    check("transcribe" in out, "w2vee --help does not list transcribe")
    _, out, _ = e.run("transcribe", "--help", expect=0)
    for opt in ("--model", "--exit", "--output", "--dump-logits", "--threads", "--verbose",
                "--silence-threshold", "--min-silence", "--chunk-duration", "--noise-margin",
                "FILE"):
        check(opt in out, f"w2vee transcribe --help does not mention {opt}")
    _, out, _ = e.run("--version", expect=0)
    check(re.fullmatch(r"w2vee \d+\.\d+\.\d+\n", out), f"--version printed {out!r}")
    _, out, err = e.run(expect=2)
    check(out == "" and "transcribe" in err, "w2vee alone: usage on stderr, nothing on stdout")
    _, out, err = e.run("frobnicate", expect=2)
    check("frobnicate" in err, "unknown command not named")


def case_usage_errors(e):
    model = e.model("small_group")
    wav = e.ref("small_group")["wav"]
    dump = e.path("never.f32")
    bad = [
        ["--bogus", wav],
        [],
        ["-m", model],
        ["-m", model, "-e", "0", wav],
        ["-m", model, "-e", "x", wav],
        ["-m", model, "-e", "-1", wav],
        ["-m", model, "-e", "4", wav],          # small_group has exits 1..3
        ["-m", model, "-o", "xml", wav],
        ["-m", model, "-t", "0", wav],
        ["-m", model, "-t", "many", wav],
        ["-m", model, "-e", "all", "-o", "srt", wav],
        ["-m", model, "-o", "vtt", wav, wav],
        ["-m", model, "-e", "all", "--dump-logits", dump, wav],
        ["-m", model, "--dump-logits", dump, wav, wav],
        ["-m", model, "--dump-logits", dump, "--min-silence", "1", wav],
        # exit policies: bad values, combinations, no threshold (no early_exit.json here)
        ["-m", model, "--exit-policy", "often", wav],
        ["-m", model, "--exit-threshold", "0.5", wav],
        ["-m", model, "--exit-policy", "confidence", wav],
        ["-m", model, "--exit-policy", "confidence", "--exit-threshold", "2", wav],
        ["-m", model, "--exit-policy", "confidence", "--exit-threshold", "x", wav],
        ["-m", model, "--exit-policy", "confidence", "--exit-threshold", "0.5", "-e", "all",
         wav],
        ["-m", model, "--exit-policy", "deadline", wav],
        ["-m", model, "--exit-policy", "deadline", "--exit-threshold", "-1", wav],
        ["-m", model, "--exit-policy", "deadline", "--exit-threshold", "1",
         "--dump-logits", dump, wav],
        ["-m", model, "--exit-score", "word-min", wav],
    ]
    # segmentation options: not a number, out of range, not finite
    for opt, values in (("--silence-threshold", ["x", "", "1", "-121", "nan", "-inf", "-40dB"]),
                        ("--min-silence", ["0", "0.001", "11", "-1", "1s"]),
                        ("--chunk-duration", ["0.5", "31", "inf", "10,5"]),
                        ("--noise-margin", ["-1", "61", "nan", "8 "])):
        for v in values:
            bad.append(["-m", model, f"{opt}={v}", wav])
    for args in bad:
        _, out, err = e.run("transcribe", *args, expect=2)
        check(out == "", f"{args}: usage error printed on stdout: {out!r}")
        check(err.strip() != "", f"{args}: no message")
        check("--help" in err, f"{args}: message without a hint: {err!r}")
        for a in args:
            if a.startswith("--") and "=" in a:
                check(a.split("=")[0] in err, f"{args}: message does not name the option")
    check(not os.path.exists(dump), "--dump-logits file written after a usage error")


def case_runtime_errors(e):
    model = e.model("small_group")
    wav = e.ref("small_group", "ref_prefix")["wav"]

    missing_model = e.path("no-such-model-dir")
    _, out, err = e.run("transcribe", "-m", missing_model, wav, expect=1)
    check(missing_model in err, f"message does not name the model dir: {err!r}")
    check(out == "", "output despite a model error")

    env_model = e.path("env-model-dir")
    _, out, err = e.run("transcribe", wav, env={"W2VEE_MODEL": env_model}, expect=1)
    check(env_model in err, f"$W2VEE_MODEL dir not named: {err!r}")

    # no -m: $W2VEE_MODEL, as `meson devenv` and the tests set it (models/default)
    default = os.path.join(os.environ["W2VEE_SOURCE_ROOT"], "models", "default")
    _, out, _ = e.run("transcribe", wav, env={"W2VEE_MODEL": default}, expect=0)
    check(out.strip() != "", "the default model printed nothing")

    # no -m, no $W2VEE_MODEL (unset or empty): the installed default model, or a
    # message naming where it looked and saying to pass -m or set W2VEE_MODEL; the
    # build tree is never looked at (nothing of it is compiled into libw2vee)
    installed = os.environ["W2VEE_TEST_INSTALLED_MODEL"]
    for env in (None, {"W2VEE_MODEL": ""}):
        if os.path.isdir(installed):
            _, out, _ = e.run("transcribe", wav, env=env, expect=0)
            check(out.strip() != "", "the installed default model printed nothing")
        else:
            _, out, err = e.run("transcribe", wav, env=env, expect=1)
            check(installed in err and "-m" in err and "W2VEE_MODEL" in err,
                  f"no default model: {err!r}")
            check(default not in err, f"the source tree was looked at: {err!r}")
            check(out == "", "output without a model")

    not_dir = e.path("not-a-model.txt")
    with open(not_dir, "w") as f:
        f.write("hello\n")
    _, _, err = e.run("transcribe", "-m", not_dir, wav, expect=1)
    check(not_dir in err, f"message does not name the model: {err!r}")

    missing = e.path("missing.wav")
    _, out, err = e.run("transcribe", "-m", model, missing, expect=1)
    check(missing in err and "No such file" in err, f"missing file: {err!r}")
    check(out == "", "output for a missing file")

    text = e.path("notes.txt")
    with open(text, "w") as f:
        f.write("this is not audio\n" * 20)
    _, out, err = e.run("transcribe", "-m", model, text, expect=1)
    check(text in err and "cannot decode" in err, f"non-audio file: {err!r}")
    check(out == "", "output for a non-audio file")

    # one bad file among good ones: the good ones are transcribed, the status is 1
    ref = e.ref("small_group", "ref_prefix")
    _, out, err = e.run("transcribe", "-m", model, wav, text, wav, expect=1)
    lines = out.splitlines()
    want = f"{wav}: {ref['exits'][-1]['text']}"
    check(lines == [want, want], f"good files not transcribed: {lines!r}, want 2 x {want!r}")
    check(text in err, "bad file not named")

    # --dump-logits refuses a file longer than its bound
    long_wav = e.path("long.wav")
    write_wav(long_wav, silence(DUMP_MAX_SECONDS + 1))
    dump = e.path("long.f32")
    _, _, err = e.run("transcribe", "-m", model, "--dump-logits", dump, long_wav, expect=1)
    check(long_wav in err and str(DUMP_MAX_SECONDS) in err, f"long file: {err!r}")
    check(not os.path.exists(dump), "logits written for a refused file")

    # unwritable dump path
    _, _, err = e.run("transcribe", "-m", model, "--dump-logits", e.path("no/such/dir.f32"),
                      wav, expect=1)
    check("no/such/dir.f32" in err, f"unwritable dump file not named: {err!r}")


def case_dump_logits(e):
    """--dump-logits of the whole clip vs PyTorch's logits, every exit, several models;
    the transcript printed with it is the reference transcript of that exit."""
    worst = 0.0
    for name in ("small_group", "small_stable", "uneven", "base"):
        ref = e.ref(name)
        model = e.model(name)
        for ex in ref["exits"]:
            dump = e.path(f"{name}-exit{ex['exit']}.f32")
            args = ["transcribe", "-m", model, "-e", ex["exit"], "--dump-logits", dump,
                    ref["wav"]]
            if ex["exit"] == 1:
                args[1:1] = ["-t", "1"]
            _, out, _ = e.run(*args, expect=0)
            got = read_f32(dump)
            want = read_f32(os.path.join(ref["dir"], ex["logits"]))
            check(len(got) == len(want) == ex["frames"] * ex["vocab"],
                  f"{name} exit {ex['exit']}: {len(got)} values, want {len(want)} "
                  f"({ex['frames']} x {ex['vocab']})")
            max_ref = max(abs(v) for v in want)
            diff = max(abs(a - b) for a, b in zip(got, want))
            tol = 1e-3 * max(1.0, max_ref)
            print(f"  {name} exit {ex['exit']} (layer {ex['layer']}): max|diff| {diff:.3g}, "
                  f"tolerance {tol:.3g}")
            check(diff <= tol, f"{name} exit {ex['exit']}: max|diff| {diff} > {tol}")
            worst = max(worst, diff / tol)
            check(out == ex["text"] + "\n",
                  f"{name} exit {ex['exit']}: printed {out!r}, reference {ex['text']!r}")
    # without -e: the deepest exit
    ref = e.ref("small_group")
    dump = e.path("deepest.f32")
    e.run("transcribe", "-m", e.model("small_group"), "--dump-logits", dump, ref["wav"],
          expect=0)
    with open(dump, "rb") as a, open(os.path.join(ref["dir"], ref["exits"][-1]["logits"]),
                                      "rb") as b:
        check(len(a.read()) == len(b.read()), "default exit is not the deepest")
    print(f"  worst diff/tolerance {worst:.3g}")


def single_segment_json(e, model, ref):
    """Runs -o json on the reference clip and checks the segmenter kept it whole, so
    that the transcript must equal the reference's (computed on the whole clip)."""
    _, out, _ = e.run("transcribe", "-m", model, "-o", "json", ref["wav"], expect=0)
    obj = json.loads(out)
    n = ref["n_samples"]
    check([(s["start"], s["end"]) for s in obj["segments"]] == [(0.0, round(n / SR, 3))],
          f"the clip was not kept as one segment [0, {n / SR}): {obj['segments']}")
    return obj


def case_exits(e):
    """Transcripts of the clip's prefix (one segment, the whole prefix) at every exit equal
    PyTorch's greedy transcripts; -e all gives them all, labelled by layer."""
    for name in ("small_group", "small_stable", "uneven"):
        model = e.model(name)
        ref = e.ref(name, "ref_prefix")
        single_segment_json(e, model, ref)
        _, out, _ = e.run("transcribe", "-m", model, "-e", "all", ref["wav"], expect=0)
        want = [f"layer_{x['layer']}: {x['text']}" for x in ref["exits"]]
        check(out.splitlines() == want, f"{name} -e all:\n{out}\nwant:\n" + "\n".join(want))
        for x in ref["exits"]:
            _, out, _ = e.run("transcribe", "-m", model, "-e", x["exit"], ref["wav"], expect=0)
            check(out == x["text"] + "\n", f"{name} -e {x['exit']}: {out!r} != {x['text']!r}")
        _, out, _ = e.run("transcribe", "-m", model, ref["wav"], expect=0)
        check(out == ref["exits"][-1]["text"] + "\n", f"{name}: default is not the deepest")
        # verbose: timings on stderr, stdout unchanged
        _, out_v, err = e.run("transcribe", "-v", "-m", model, ref["wav"], expect=0)
        check(out_v == out, "-v changed stdout")
        check("RTF" in err and "ms" in err, f"-v printed no timings: {err!r}")


def case_exit_policy(e):
    """--exit-policy on one segment: confidence at threshold 0 stops at exit 1, at a
    threshold no score reaches runs to the deepest allowed (-e); deadline with a huge
    budget runs the deepest exit, with a tiny one the first; -v reports the layers."""
    for name in ("small_group", "uneven"):
        model = e.model(name)
        ref = e.ref(name, "ref_prefix")
        single_segment_json(e, model, ref)
        texts = [x["text"] for x in ref["exits"]]
        layers = [x["layer"] for x in ref["exits"]]
        for args, k in ((["--exit-policy", "confidence", "--exit-threshold", "0"], 0),
                        (["--exit-policy", "confidence", "--exit-threshold", "1"], -1),
                        (["--exit-policy", "confidence", "--exit-score", "word-min",
                          "--exit-threshold", "1", "-e", "2"], 1),
                        (["--exit-policy", "deadline", "--exit-threshold", "1000"], -1),
                        (["--exit-policy", "deadline", "--exit-threshold", "1e-9"], 0)):
            _, out, err = e.run("transcribe", "-v", "-m", model, *args, ref["wav"], expect=0)
            check(out == texts[k] + "\n", f"{name} {args}: {out!r} != {texts[k]!r}")
            m = re.search(r"policy=(\w+) threshold=\S+ mean_layer=([\d.]+) \(of (\d+)\)", err)
            check(m is not None and float(m.group(2)) == layers[k],
                  f"{name} {args}: -v says {m and m.group(0)!r}, want layer {layers[k]}")


def check_exit_object(obj, x, duration):
    for key in ("exit", "layer", "text", "confidence", "words", "segments"):
        check(key in obj, f"json: no '{key}' in {sorted(obj)}")
    check(obj["exit"] == x["exit"] and obj["layer"] == x["layer"],
          f"json: exit {obj['exit']} layer {obj['layer']}, want {x['exit']} {x['layer']}")
    check(obj["text"] == x["text"], f"json: text {obj['text']!r} != {x['text']!r}")
    check(0.0 <= obj["confidence"] <= 1.0, f"json: confidence {obj['confidence']}")
    words = obj["words"]
    check(" ".join(w["word"] for w in words) == obj["text"], "json: words do not spell text")
    prev_end = 0.0
    for w in words:
        check(set(w) == {"word", "start", "end", "confidence"}, f"json: word keys {sorted(w)}")
        check(prev_end - 0.0051 <= w["start"] < w["end"] <= duration + 1e-9,
              f"json: word times {w} (previous end {prev_end}, duration {duration})")
        check(0.0 <= w["confidence"] <= 1.0, f"json: word confidence {w}")
        prev_end = w["end"]
    for s in obj["segments"]:
        check(set(s) == {"start", "end", "text", "confidence"}, f"json: segment keys {sorted(s)}")
        check(0.0 <= s["start"] < s["end"] <= duration, f"json: segment {s}")


def case_json(e):
    for name in ("small_group", "small_stable"):
        model = e.model(name)
        ref = e.ref(name, "ref_prefix")
        duration = ref["n_samples"] / SR
        obj = single_segment_json(e, model, ref)
        check(obj["file"] == ref["wav"], f"json: file {obj['file']!r}")
        check(abs(obj["duration"] - duration) < 1e-3, f"json: duration {obj['duration']}")
        check_exit_object(obj, ref["exits"][-1], duration)
        check(obj["segments"][0]["text"] == obj["text"], "json: segment text")

        _, out, _ = e.run("transcribe", "-m", model, "-o", "json", "-e", "all", ref["wav"],
                          expect=0)
        check(out.count("\n") == 1, "json: not one line per file")
        obj = json.loads(out)
        check(set(obj) == {"file", "duration", "exits"}, f"json -e all: keys {sorted(obj)}")
        check(len(obj["exits"]) == len(ref["exits"]), "json -e all: number of exits")
        for got, x in zip(obj["exits"], ref["exits"]):
            check_exit_object(got, x, duration)


def case_several_files(e):
    model = e.model("small_group")
    ref = e.ref("small_group", "ref_prefix")
    text = ref["exits"][-1]["text"]
    other = e.path("copy of clip.wav")
    shutil.copyfile(ref["wav"], other)
    _, out, _ = e.run("transcribe", "-m", model, ref["wav"], other, expect=0)
    check(out.splitlines() == [f"{ref['wav']}: {text}", f"{other}: {text}"],
          f"several files: {out!r}")
    _, out, _ = e.run("transcribe", "-m", model, "-e", "all", ref["wav"], other, expect=0)
    want = [f"{f}: layer_{x['layer']}: {x['text']}" for f in (ref["wav"], other)
            for x in ref["exits"]]
    check(out.splitlines() == want, f"several files -e all: {out!r}")
    _, out, _ = e.run("transcribe", "-m", model, "-o", "json", ref["wav"], other, expect=0)
    objs = [json.loads(line) for line in out.splitlines()]
    check([o["file"] for o in objs] == [ref["wav"], other], "json lines: files")
    check(all(o["text"] == text for o in objs), "json lines: texts")


def parse_cues(text, vtt):
    sep = r"\." if vtt else ","
    ts = rf"(\d\d):(\d\d):(\d\d){sep}(\d\d\d)"
    blocks = text.split("\n\n")
    check(blocks[-1] == "", f"cues do not end with a blank line: {text!r}")
    blocks = blocks[:-1]
    if vtt:
        check(blocks[0] == "WEBVTT", f"no WEBVTT header: {text!r}")
        blocks = blocks[1:]
    cues = []
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if not vtt:
            check(lines[0] == str(i + 1), f"srt cue {i + 1} numbered {lines[0]!r}")
            lines = lines[1:]
        m = re.fullmatch(ts + " --> " + ts, lines[0])
        check(m, f"bad cue timing line {lines[0]!r}")
        g = [int(v) for v in m.groups()]
        start = round(g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000, 3)
        end = round(g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000, 3)
        check(start < end, f"cue {i + 1}: start {start} >= end {end}")
        text = lines[1:]
        check(1 <= len(text) <= 2 and all(t.strip() != "" for t in text),
              f"cue {i + 1}: text {text!r}")
        n_words = sum(len(t.split(" ")) for t in text)
        for t in text:
            check(len(t) <= 42 or n_words == 1, f"cue {i + 1}: line of {len(t)} characters")
        check(end - start <= 6.0 or n_words == 1, f"cue {i + 1}: {end - start} s")
        cues.append((start, end, " ".join(text)))
    return cues


def check_cues_are_words(cues, obj):
    """The cues hold the words in order, each timed by its words (json times, ms), within
    one segment."""
    words = obj["words"]
    k = 0
    for i, (start, end, text) in enumerate(cues):
        mine = words[k:k + len(text.split(" "))]
        check(" ".join(w["word"] for w in mine) == text, f"cue {text!r} is not words {k}..")
        k += len(mine)
        want_end = mine[-1]["end"]
        if i + 1 < len(cues):
            want_end = min(want_end, cues[i + 1][0])
        check(abs(start - mine[0]["start"]) <= 0.0011 and abs(end - want_end) <= 0.0011,
              f"cue {start}-{end} {text!r}: words {mine[0]['start']}-{want_end}")
        check(any(s["start"] <= start and end <= s["end"] + 1e-3 for s in obj["segments"]),
              f"cue {start}-{end} not inside one segment")
    check(k == len(words), f"{len(words) - k} words in no cue")


def case_subtitles(e):
    """clip + 1 s of silence + clip: two segments, as srt, vtt and json."""
    model = e.model("small_group")
    ref = e.ref("small_group")
    pcm = read_wav(ref["wav"])
    n = len(pcm) // 2
    wav = e.path("twice.wav")
    write_wav(wav, pcm + silence(1.0) + pcm)
    second = (n + SR) / SR   # where the second clip starts, seconds

    _, srt, _ = e.run("transcribe", "-m", model, "-o", "srt", wav, expect=0)
    _, vtt, _ = e.run("transcribe", "-m", model, "-o", "vtt", wav, expect=0)
    _, js, _ = e.run("transcribe", "-m", model, "-o", "json", wav, expect=0)
    _, text, _ = e.run("transcribe", "-m", model, wav, expect=0)
    print(srt)
    s_cues = parse_cues(srt, vtt=False)
    v_cues = parse_cues(vtt, vtt=True)
    obj = json.loads(js)
    check(s_cues == v_cues, "srt and vtt cues differ")
    segs = obj["segments"]
    check(len(segs) == 2, f"{len(segs)} segments, want 2")
    # each segment holds one clip with at most 200 ms of silence around it (+ one block)
    check(segs[0]["start"] == 0.0, f"first segment starts at {segs[0]['start']}")
    check(n / SR - 0.5 < segs[0]["end"] <= n / SR + 0.01, f"first segment ends at {segs[0]}")
    check(second - 0.21 <= segs[1]["start"] <= second, f"second segment starts at {segs[1]}")
    check(segs[1]["end"] <= (2 * n + SR) / SR + 1e-3, f"second segment ends at {segs[1]}")
    check(len(s_cues) >= 2, f"srt: {len(s_cues)} cues for two segments with words")
    check_cues_are_words(s_cues, obj)
    check(obj["text"] == " ".join(c[2] for c in s_cues), "json text is not the joined cues")
    check(text == obj["text"] + "\n", "text output is not the joined segments")
    # word times are in the file's time line: inside their segment
    for w in obj["words"]:
        check(any(s["start"] <= w["start"] < w["end"] <= s["end"] + 1e-3 for s in segs),
              f"word {w} outside every segment")
    check(any(w["start"] >= segs[1]["start"] for w in obj["words"]),
          "no word in the second segment")

    # the default (trained) model on a long sentence: many words per segment, so cues of
    # two lines, broken between words
    talk = e.path("sentence.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", talk,
                    "The quick brown fox jumps over the lazy dog and then it runs away into "
                    "the forest where nobody can find it again, and the farmer goes back to "
                    "his house to sleep."], check=True)
    default = os.path.join(testlib.source_root(), "models", "default")
    _, srt, _ = e.run("transcribe", "-m", default, "-o", "srt", talk, expect=0)
    _, js, _ = e.run("transcribe", "-m", default, "-o", "json", talk, expect=0)
    print(srt)
    obj = json.loads(js)
    cues = parse_cues(srt, vtt=False)
    check(len(obj["words"]) >= 20, f"default model: {len(obj['words'])} words")
    check(len(cues) >= 2, f"default model: {len(cues)} cue(s) for {len(obj['words'])} words")
    check(any(len(block.split("\n")) == 4 for block in srt.split("\n\n")),
          "no cue of two lines")
    check_cues_are_words(cues, obj)


def segments_of(e, model, wav, *opts):
    _, js, _ = e.run("transcribe", "-m", model, "-o", "json", *opts, wav, expect=0)
    return [(s["start"], s["end"]) for s in json.loads(js)["segments"]]


def case_segmentation(e):
    """The segmentation options change the segments as the engine's parameters do:
    clip + 1 s of silence + clip (two segments by default)."""
    import random
    model = e.model("small_group")
    pcm = read_wav(e.ref("small_group")["wav"])
    n = len(pcm) // 2
    wav = e.path("twice.wav")
    write_wav(wav, pcm + silence(1.0) + pcm)
    total = (2 * n + SR) / SR

    default = segments_of(e, model, wav)
    check(len(default) == 2, f"default: {default}")
    # the defaults given explicitly (and the negative value as a separate argument)
    explicit = segments_of(e, model, wav, "--silence-threshold", "-40", "--min-silence",
                           "0.5", "--chunk-duration", "10", "--noise-margin", "8")
    check(explicit == default, f"explicit defaults {explicit} != {default}")
    # a pause of 1 s is not silence enough when 1.5 s is needed
    longer = segments_of(e, model, wav, "--min-silence=1.5")
    check(len(longer) == 1 and longer[0][0] == default[0][0]
          and longer[0][1] == default[1][1], f"--min-silence 1.5: {longer}")
    # segments of at most 1 s, covering the speech in order
    short = segments_of(e, model, wav, "--chunk-duration=1")
    check(len(short) >= 4 and all(b - a <= 1.0 + 1e-9 for a, b in short),
          f"--chunk-duration 1: {short}")
    check(all(a[1] <= b[0] for a, b in zip(short, short[1:])), f"overlap: {short}")
    # nothing reaches 0 dBFS: no segment, empty text
    _, out, _ = e.run("transcribe", "-m", model, "--silence-threshold=0", wav, expect=0)
    check(out == "\n", f"--silence-threshold 0: {out!r}")
    # a threshold above the clip's quiet parts: segments inside the default ones
    high = segments_of(e, model, wav, "--silence-threshold=-25")
    check(len(high) == 2 and all(d[0] <= h[0] and h[1] <= d[1] for h, d in zip(high, default))
          and high != default, f"--silence-threshold -25: {high} vs {default}")

    # white noise 15 dB below the clip's RMS but above -40 dBFS: the noise floor keeps the
    # two segments, the fixed gate (--noise-margin 0) takes the noise for speech
    samples = struct.unpack(f"<{n}h", pcm)
    rms = math.sqrt(sum(v * v for v in samples) / n)
    amp = rms * 10 ** (-15 / 20) * math.sqrt(3)   # uniform: RMS amp/sqrt(3)
    check(20 * math.log10(amp / math.sqrt(3) / 32768) > -40, "noise not above -40 dBFS")
    rng = random.Random(1)
    both = list(samples) + [0] * SR + list(samples)
    noisy = [max(-32768, min(32767, round(v + rng.uniform(-amp, amp)))) for v in both]
    nwav = e.path("twice in noise.wav")
    write_wav(nwav, struct.pack(f"<{len(noisy)}h", *noisy))
    floor = segments_of(e, model, nwav)
    check(len(floor) == 2 and all(abs(f[0] - d[0]) <= 0.3 and abs(f[1] - d[1]) <= 0.3
                                  for f, d in zip(floor, default)),
          f"noise, default: {floor} vs clean {default}")
    gate = segments_of(e, model, nwav, "--noise-margin=0")
    check(gate == [(0.0, round(total, 3))], f"noise, --noise-margin 0: {gate}")


def case_long_file(e):
    """Five clips back to back (12.6 s, pauses under 0.5 s): the segmenter cuts at 10 s at
    most; segments cover the speech in order, words stay inside them."""
    model = e.model("small_group")
    ref = e.ref("small_group")
    pcm = read_wav(ref["wav"])
    wav = e.path("long speech.wav")
    write_wav(wav, pcm * 5)
    duration = 5 * len(pcm) / 2 / SR
    _, js, err = e.run("transcribe", "-v", "-m", model, "-o", "json", wav, expect=0)
    obj = json.loads(js)
    segs = obj["segments"]
    print("  segments:", [(s["start"], s["end"]) for s in segs])
    check(len(segs) >= 2, f"{len(segs)} segment(s) for {duration} s of speech")
    check(segs[0]["start"] == 0.0, "first segment does not start at 0")
    for a, b in zip(segs, segs[1:]):
        check(a["end"] <= b["start"], f"segments overlap: {a} {b}")
    for s in segs:
        check(s["end"] - s["start"] <= 10.0 + 1e-9, f"segment longer than 10 s: {s}")
    check(segs[-1]["end"] > duration - 0.5, f"speech at the end not covered: {segs[-1]}")
    for w in obj["words"]:
        check(any(s["start"] <= w["start"] < w["end"] <= s["end"] + 1e-3 for s in segs),
              f"word {w} outside every segment")
    check(f"{len(segs)} segment" in err, "-v does not report the segments")


def case_decoder(e):
    """--lm, --lexicon and the beam options (docs/cli.md), with the default model on the
    bundled example: usage and runtime errors, words only from the lexicon, JSON fields
    as greedy's, an ARPA LM, the default LM."""
    src = os.environ.get("W2VEE_SOURCE_ROOT", "/nonexistent")
    model = os.path.join(src, "models", "default")
    wav = os.path.join(src, "examples", "hello.wav")
    check(os.path.isdir(model) and os.path.exists(wav), "no default model or example")
    lm = e.path("small.arpa")
    with open(lm, "w") as f:
        f.write("\\data\\\nngram 1=6\nngram 2=2\n\n\\1-grams:\n-99 <s> -0.3\n-1 </s>\n"
                "-2 <unk>\n-0.5 HELLO -0.2\n-0.7 THIS -0.2\n-0.9 IS\n\n\\2-grams:\n"
                "-0.1 <s> HELLO\n-0.2 HELLO THIS\n\n\\end\\\n")
    lex = e.path("lexicon.txt")
    with open(lex, "w") as f:
        f.write("HELLO\tH E L L O |\nTHIS\tT H I S |\nIS\tI S |\nA\tA |\n"
                "small\ts m a l l |\nSPEECH\tS P E E C H |\n")

    for args in (["--beam-size", "5"], ["--lm-weight", "1"], ["--unk-score", "-3"],
                 ["--lm", lm, "--beam-size", "0"], ["--lm", lm, "--beam-threshold", "-1"],
                 ["--lm", lm, "--unk-score", "x"], ["--lm", lm, "--tokens", lex],
                 ["--lm", lm, "--lm-weight", "abc"]):
        _, out, err = e.run("transcribe", "-m", model, *args, wav, expect=2)
        check(out == "" and "--help" in err, f"{args}: not a usage error: {err!r}")
    _, out, err = e.run("eval", "-d", "x=y.tsv", "-o", e.path("r"), "--beam-size", "3",
                        expect=2)

    missing = e.path("missing.arpa")
    _, out, err = e.run("transcribe", "-m", model, "--lm", missing, wav, expect=1)
    check(missing in err and out == "", f"missing LM not named: {err!r}")
    bad = e.path("bad.arpa")
    with open(bad, "w") as f:
        f.write("\\data\\\nngram 1=1\n\n\\1-grams:\nnan A\n\\end\\\n")
    _, out, err = e.run("transcribe", "-m", model, "--lm", bad, wav, expect=1)
    check(f"{bad}:5:" in err and "nan" in err, f"bad LM: {err!r}")
    bad_lex = e.path("bad-lexicon.txt")
    with open(bad_lex, "w") as f:
        f.write("A\tA |\nB\tB 7 |\n")
    _, out, err = e.run("transcribe", "-m", model, "--lexicon", bad_lex, wav, expect=1)
    check(f"{bad_lex}:2:" in err and "unknown token '7'" in err, f"bad lexicon: {err!r}")

    # words only from the lexicon, as written there; greedy's fields
    _, out, _ = e.run("transcribe", "-m", model, "--lexicon", lex, "-o", "json", wav, expect=0)
    obj = json.loads(out)
    words = [w["word"] for w in obj["words"]]
    check(words and set(words) <= {"HELLO", "THIS", "IS", "A", "small", "SPEECH"},
          f"words off the lexicon: {words}")
    check(words[:2] == ["HELLO", "THIS"], f"lexicon decoding: {words}")
    for w in obj["words"]:
        check(0 <= w["start"] < w["end"] <= obj["duration"] + 0.1 and 0 < w["confidence"] <= 1,
              f"word fields: {w}")
    _, out, _ = e.run("transcribe", "-m", model, "--lm", lm, "--unk-score", "-5", wav,
                      expect=0)
    check(out.startswith("HELLO THIS"), f"ARPA LM: {out!r}")

    # the default LM, every exit
    _, out, err = e.run("transcribe", "-v", "-m", model, "--lm", "default", "-e", "all", wav,
                        expect=0)
    lines = out.splitlines()
    check(len(lines) == 4 and all(ln.startswith(f"layer_{2 * (i + 1)}: ") and " THIS IS A " in ln
                                  for i, ln in enumerate(lines)), f"--lm default: {lines}")
    check(lines[-1].startswith("layer_8: HELLO THIS IS A SMALL SPEECH"), f"deepest: {lines[-1]}")
    check("beam+lm" in err and "default.w2lm" in err, f"-v does not name the LM: {err!r}")

    # the decoder, a policy and --manifest --shard together: each shard's lines are
    # the whole run's at its indices
    manifest = e.path("decoder-list.tsv")
    with open(manifest, "w") as f:
        f.write("".join(f"{wav}\tX\n" for _ in range(3)))
    args = ["-m", model, "--lm", lm, "--unk-score", "-5", "--exit-policy", "confidence"]
    _, whole, _ = e.run("transcribe", *args, wav, wav, wav, expect=0)
    lines = whole.splitlines()
    check(len(lines) == 3 and all("HELLO THIS" in ln for ln in lines),
          f"decoder and policy on three files: {whole!r}")
    for k in (1, 2):
        _, out, _ = e.run("transcribe", *args, "--manifest", manifest, "--shard", f"{k}/2",
                          expect=0)
        want = [ln for i, ln in enumerate(lines) if i % 2 == k - 1]
        check(out.splitlines() == want, f"decoder, policy, shard {k}/2: {out!r} != {want!r}")


def case_manifest_shard(e):
    """--manifest lists the files (first column, blank lines and CRLF as eval reads);
    --shard K/N keeps file i when i mod N = K - 1: each shard's lines are exactly those
    of the whole run at its indices, the names as with several files."""
    model = e.model("small_group")
    ref = e.ref("small_group", "ref_prefix")
    files = []
    for i in range(5):
        files.append(e.path(f"clip {i}.wav"))
        shutil.copyfile(ref["wav"], files[-1])
    manifest = e.path("list.tsv")
    with open(manifest, "w", encoding="utf-8", newline="") as f:
        f.write(f"{files[0]}\tSOME TRANSCRIPT\n{files[1]}\n\n{files[2]}\t\r\n"
                f"{files[3]}\tX\n{files[4]}")
    _, whole, _ = e.run("transcribe", "-m", model, *files, expect=0)
    _, listed, _ = e.run("transcribe", "-m", model, "--manifest", manifest, expect=0)
    check(listed == whole, f"--manifest differs from the files given:\n{listed}\n{whole}")
    lines = whole.splitlines()
    check(len(lines) == 5, f"whole run: {whole!r}")
    for n in (2, 3, 7):
        for k in range(1, n + 1):
            _, out, _ = e.run("transcribe", "-m", model, "--manifest", manifest,
                              "--shard", f"{k}/{n}", expect=0)
            want = [line for i, line in enumerate(lines) if i % n == k - 1]
            check(out.splitlines() == want, f"shard {k}/{n}: {out!r}, want {want!r}")
    _, out, _ = e.run("transcribe", "-m", model, "--shard", "2/2", files[0], files[1],
                      expect=0)
    check(out.splitlines() == [lines[1]], f"--shard of FILE...: {out!r}")
    for args in (["--manifest", manifest, files[0]], ["--manifest", manifest, "--shard",
                 "3/2"], ["--manifest", manifest, "--shard", "0/2"], ["--shard", "x"]):
        _, out, err = e.run("transcribe", "-m", model, *args, expect=2)
        check(out == "" and "w2vee transcribe:" in err, f"{args}: {err!r}")
    _, _, err = e.run("transcribe", "-m", model, "--manifest", e.path("none.tsv"), expect=1)
    check("none.tsv" in err, f"missing manifest not named: {err!r}")


CASES = {
    "decoder": case_decoder,
    "help": case_help,
    "usage-errors": case_usage_errors,
    "runtime-errors": case_runtime_errors,
    "dump-logits": case_dump_logits,
    "exits": case_exits,
    "json": case_json,
    "several-files": case_several_files,
    "subtitles": case_subtitles,
    "long-file": case_long_file,
    "segmentation": case_segmentation,
    "exit-policy": case_exit_policy,
    "manifest-shard": case_manifest_shard,
}


if __name__ == "__main__":
    testlib.main(CASES, "w2vee transcribe end to end",
                 required=["--w2vee", "--refs", "--workdir"], setup=Env)
