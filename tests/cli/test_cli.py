#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""End-to-end tests of `w2vee transcribe`, run by meson test (one CASE per test).

    test_cli.py --w2vee PATH --refs DIR --workdir DIR CASE

DIR is the output of tests/reference/gen_models.py: random-weight models in the Hugging
Face layout with PyTorch's logits and greedy transcripts of a speech clip (the reference
this compares against). Only the Python standard library is used.
"""

import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import wave

SR = 16000
DUMP_MAX_SECONDS = 60


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Env:
    def __init__(self, args):
        self.w2vee = args.w2vee
        self.refs = args.refs
        self.tmp = tempfile.mkdtemp(prefix="cli-", dir=args.workdir)
        unavailable = os.path.join(self.refs, "UNAVAILABLE")
        if os.path.exists(unavailable):
            with open(unavailable) as f:
                raise Failure("reference models unavailable: " + f.read().strip())
        if not os.path.isdir(os.path.join(self.refs, "small_group")):
            raise Failure(f"no reference models in {self.refs} (build the ref-models target)")

    def model(self, name):
        return os.path.join(self.refs, name, "model")

    def ref(self, name, sub="ref"):
        d = os.path.join(self.refs, name, sub)
        with open(os.path.join(d, "reference.json")) as f:
            r = json.load(f)
        r["dir"] = d
        r["wav"] = os.path.join(d, "clip.wav")
        return r

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run(self, *args, env=None, expect=None):
        full_env = dict(os.environ)
        full_env.pop("W2VEE_MODEL", None)
        if env:
            full_env.update(env)
        cmd = [self.w2vee] + [str(a) for a in args]
        p = subprocess.run(cmd, capture_output=True, env=full_env, timeout=240)
        out = p.stdout.decode("utf-8")
        err = p.stderr.decode("utf-8")
        print("$", " ".join(cmd), "->", p.returncode)
        if err:
            print("  stderr:", err.rstrip().replace("\n", "\n          "))
        if expect is not None and p.returncode != expect:
            raise Failure(f"exit status {p.returncode}, expected {expect}\nstdout: {out}\n"
                          f"stderr: {err}")
        return p.returncode, out, err

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def read_f32(path):
    with open(path, "rb") as f:
        data = f.read()
    check(len(data) % 4 == 0, f"{path}: {len(data)} bytes is not a whole number of floats")
    return struct.unpack(f"<{len(data) // 4}f", data)


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == SR
        return w.readframes(w.getnframes())


def write_wav(path, pcm):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm)


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
    ]
    for args in bad:
        _, out, err = e.run("transcribe", *args, expect=2)
        check(out == "", f"{args}: usage error printed on stdout: {out!r}")
        check(err.strip() != "", f"{args}: no message")
        check("--help" in err, f"{args}: message without a hint: {err!r}")
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

    # no -m, no $W2VEE_MODEL: the default model, or a message saying to pass -m
    default = os.path.join(os.environ.get("W2VEE_SOURCE_ROOT", "/nonexistent"), "models",
                           "default")
    if os.path.isdir(default):
        _, out, _ = e.run("transcribe", wav, expect=0)
        check(out.strip() != "", "the default model printed nothing")
    else:
        _, out, err = e.run("transcribe", wav, expect=1)
        check("-m" in err and default in err, f"no default model: {err!r}")

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
        check(len(lines) == 2 and lines[1].strip() != "", f"cue {i + 1}: text {lines[1:]!r}")
        cues.append((start, end, lines[1]))
    return cues


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
    check(len(s_cues) == 2, f"srt: {len(s_cues)} cues, want 2")
    check(s_cues == v_cues, "srt and vtt cues differ")
    segs = obj["segments"]
    check([(round(s["start"], 3), round(s["end"], 3), s["text"]) for s in segs] == s_cues,
          f"json segments {segs} differ from the cues {s_cues}")
    # each segment holds one clip with at most 200 ms of silence around it (+ one block)
    check(s_cues[0][0] == 0.0, f"first cue starts at {s_cues[0][0]}")
    check(n / SR - 0.5 < s_cues[0][1] <= n / SR + 0.01, f"first cue ends at {s_cues[0][1]}")
    check(second - 0.21 <= s_cues[1][0] <= second, f"second cue starts at {s_cues[1][0]}")
    check(s_cues[1][1] <= (2 * n + SR) / SR + 1e-3, f"second cue ends at {s_cues[1][1]}")
    check(obj["text"] == " ".join(c[2] for c in s_cues), "json text is not the joined segments")
    check(text == obj["text"] + "\n", "text output is not the joined segments")
    # word times are in the file's time line: inside their segment
    for w in obj["words"]:
        check(any(s["start"] <= w["start"] < w["end"] <= s["end"] + 1e-3 for s in segs),
              f"word {w} outside every segment")
    check(any(w["start"] >= s_cues[1][0] for w in obj["words"]), "no word in the second segment")


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
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--w2vee", required=True)
    ap.add_argument("--refs", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    e = None
    try:
        e = Env(args)
        CASES[args.case](e)
    except Failure as f:
        print("FAIL:", f)
        return 1
    finally:
        if e is not None:
            e.cleanup()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
