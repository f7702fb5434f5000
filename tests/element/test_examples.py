#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Runs the examples of examples/ and the cookbook of docs/element.md.

    test_examples.py --examples DIR --exit-switcher EXE --docs ELEMENT_MD
                     --workdir DIR [CASE...]

CASE is one of transcribe-file, subtitles, exit-switcher, exit-switcher-errors,
exit-switcher-py, cookbook. The environment (set by meson) points GST_PLUGIN_PATH at the
uninstalled plugin and W2VEE_TEST_MODELS at tests/reference's models; the
examples use W2VEE_MODEL, set here to the small_group reference model (3 exits
at layers 2, 4, 6; random weights, so the checks are on fields, times and
counts, not words). Speech comes from espeak-ng. Standard library only; the
Python example itself needs PyGObject (python3-gi, gir1.2-gstreamer-1.0). The harness
is tests/w2vee_testlib.py (on PYTHONPATH).
"""

import os
import re

import w2vee_testlib as testlib
from w2vee_testlib import check

MESSAGE = re.compile(
    r"wav2vec2ee, text=\(string\)(?P<text>\"(?:[^\"\\]|\\.)*\"|[^,]*), "
    r"timestamp=\(guint64\)(?P<ts>\d+), duration=\(guint64\)(?P<dur>\d+), "
    r".*?exit=\(uint\)(?P<exit>\d+), layer=\(uint\)(?P<layer>\d+), "
    r"confidence=\(double\)(?P<conf>[0-9.e+-]+), final=\(boolean\)true")
RESULT_LINE = re.compile(r"exit (?P<exit>\d+) \(layer (?P<layer>\d+)\)")
SWITCHER_LINE = re.compile(r"^(?P<ts>\d+:\d\d:\d\d\.\d+) \+(?P<dur>[0-9.]+) s  "
                           r"exit (?P<exit>\d+) \(layer (?P<layer>\d+)\)", re.M)
SPEECH = ('<speak>Open the window and let the sunshine in. <break time="1500ms"/> '
          'The quick brown fox jumps over the lazy dog. <break time="1500ms"/> '
          'Please call Stella and ask her to bring these things. '
          '<break time="1500ms"/> Speech recognition on a small computer.</speak>')


def run(cmd, cwd, timeout=240, env=None):
    """stdout of @cmd, which must exit with 0 and print no critical or warning."""
    r = testlib.run(cmd, cwd=cwd, timeout=timeout, env=env, shell=isinstance(cmd, str),
                    show_out=True, expect=0)
    testlib.check_clean_stderr(r.err, "criticals or warnings")
    return r.out


def messages(out):
    found = [m.groupdict() for m in MESSAGE.finditer(out)]
    for m in found:
        check(int(m["dur"]) > 0, "duration 0")
        check(int(m["layer"]) == 2 * int(m["exit"]), "layer is not that of the exit")
        check(0.0 <= float(m["conf"]) <= 1.0, "confidence outside 0..1")
    return found


def speech_file(tmp, name="talk.wav"):
    path = os.path.join(tmp, name)
    run(["espeak-ng", "-v", "en-us", "-m", "-w", path, SPEECH], tmp)
    return path


def case_transcribe_file(args, tmp):
    out = run([os.path.join(args.examples, "transcribe-file.sh")], tmp)
    found = messages(out)
    # three sentences 1.5 s apart: three segments
    check(len(found) == 3, f"{len(found)} results, expected 3")
    check(all(int(m["exit"]) == 3 for m in found), "not the deepest exit by default")


def case_subtitles(args, tmp):
    frames = os.path.join(tmp, "frames")
    out = run([os.path.join(args.examples, "subtitles.sh"), "--headless", frames], tmp)
    found = messages(out)
    check(len(found) == 3, f"{len(found)} results, expected 3")
    pngs = sorted(f for f in os.listdir(frames) if f.endswith(".png"))
    check(len(pngs) > 50, f"only {len(pngs)} frames")

    def frame(seconds):        # 10 frames per second, frame i at i / 10 s
        with open(os.path.join(frames, "frame-%05d.png" % int(seconds * 10)), "rb") as f:
            return f.read()

    spans = [(int(m["ts"]) / 1e9, (int(m["ts"]) + int(m["dur"])) / 1e9) for m in found]
    gap1 = frame((spans[0][1] + spans[1][0]) / 2)
    gap2 = frame((spans[1][1] + spans[2][0]) / 2)
    # the test pattern does not change: frames without a caption are identical
    check(gap1 == gap2, "frames between captions differ")
    for start, end in spans:
        check(frame((start + end) / 2) != gap1, f"no caption drawn at {(start + end) / 2} s")
    # the first caption covers the stream's start: it is drawn from frame 0 on
    check(spans[0][0] == 0.0, f"the first segment starts at {spans[0][0]} s")
    check(frame(0) != gap1, "frame 0 has no caption")


def case_exit_switcher(args, tmp):
    wav = speech_file(tmp)
    out = run([args.exit_switcher, "--interval", "3", wav], tmp)
    check("model: 3 exits at layers 2, 4, 6; exit changes every 3.0 s" in out,
          "no model line")
    lines = list(SWITCHER_LINE.finditer(out))
    check(len(lines) == 4, f"{len(lines)} results, expected 4")
    # exit follows the stream time: 1 during 0-3 s, 2 during 3-6 s, 3, 1, ...;
    # a segment is decoded at the exit in force when it was found to end,
    # 0.3 s after its end (min-silence 0.5 s minus the 0.2 s of silence kept)
    for m in lines:
        start = sum(float(x) * 60 ** i for i, x in enumerate(reversed(m["ts"].split(":"))))
        closed = start + float(m["dur"]) + 0.3
        expect = int(closed // 3) % 3 + 1
        check(int(m["exit"]) == expect,
              f"segment ending at {closed:.2f} s decoded at exit {m['exit']}, "
              f"expected {expect}")
        check(int(m["layer"]) == 2 * int(m["exit"]), "layer is not that of the exit")
    check(len({m["exit"] for m in lines}) >= 2, "exit never changed")
    # and the same again: the output does not depend on timing
    check(run([args.exit_switcher, "--interval", "3", wav], tmp) == out,
          "a second run printed something else")


def case_exit_switcher_errors(args, tmp):
    """A launch line that cannot be made (the plugin not found) and a model that
    cannot be loaded: a message naming the cause, exit status 1, no critical."""
    wav = os.path.join(tmp, "silence.wav")
    testlib.write_wav(wav, b"\0\0" * testlib.SR)
    no_plugins = os.path.join(tmp, "no-plugins")
    os.makedirs(no_plugins)
    # GStreamer's own plugins (uridecodebin, ...) are still found, wav2vec2ee is not;
    # gst_parse_launch() then gives a pipeline without it, and an error
    r = testlib.run([args.exit_switcher, wav], cwd=tmp, expect=1, env={
        "GST_PLUGIN_PATH": no_plugins,
        "GST_REGISTRY_1_0": os.path.join(tmp, "registry.bin")})
    testlib.check_clean_stderr(r.err, "without the plugin")
    lines = r.err.splitlines()
    check(len(lines) == 1 and lines[0].startswith("exit-switcher: ")
          and "wav2vec2ee" in lines[0] and "GST_PLUGIN_PATH" in lines[0],
          f"without the plugin: not one line naming wav2vec2ee and GST_PLUGIN_PATH: "
          f"{r.err!r}")
    testlib.check_equal(r.out, "", "stdout without the plugin")

    missing = os.path.join(tmp, "no-such-model")
    r = testlib.run([args.exit_switcher, wav], cwd=tmp, expect=1,
                    env={"W2VEE_MODEL": missing})
    testlib.check_clean_stderr(r.err, "missing model")
    check(f'Could not load the model "{missing}"' in r.err,
          f"the message does not name the model: {r.err!r}")
    testlib.check_equal(r.out, "", "stdout with a missing model")


def case_exit_switcher_py(args, tmp):
    wav = speech_file(tmp)
    out = run(["/usr/bin/python3", os.path.join(args.examples, "exit_switcher.py"), wav],
              tmp)
    check("model: 3 exits" in out, "no model line")
    exits = [int(m["exit"]) for m in RESULT_LINE.finditer(out)]
    for m in RESULT_LINE.finditer(out):
        check(int(m["layer"]) == 2 * int(m["exit"]), "layer is not that of the exit")
    check(len(exits) == 4, f"{len(exits)} results, expected 4")
    # exit 1 first, then the next one after each result
    check(exits == [1, 2, 3, 1], f"exits {exits}, expected [1, 2, 3, 1]")


def cookbook_blocks(path):
    """The ```sh blocks of the "Cookbook" section, in order."""
    text = open(path, encoding="utf-8").read()
    section = text.split("\n## Cookbook", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def case_cookbook(args, tmp):
    blocks = cookbook_blocks(args.docs)
    check(len(blocks) >= 5, f"only {len(blocks)} cookbook blocks")
    for block in blocks:
        # CI has no display or sound card: the only change made to a line
        if "autovideosink" in block or "autoaudiosink" in block:
            block = block.replace("autovideosink", "fakesink sync=true")
            block = block.replace("autoaudiosink", "fakesink sync=true")
            print("(auto*sink replaced by fakesink sync=true)")
        out = run(block, tmp, env=dict(os.environ, SHELL="/bin/sh"))
        if "gst-launch-1.0 -m" in block:
            check(len(messages(out)) > 0, "no transcript message")
        if "dump=true" in block:
            # the text buffers' bytes, as a hex dump, and their times
            check(re.search(r"^00000000 \(0x[0-9a-f]+\): ", out, re.M),
                  "no text buffer dumped")
            check("last-message = chain" in out, "no text buffer with its times")
        if "multifilesink" in block:
            frames = os.listdir(os.path.join(tmp, "frames"))
            check(len(frames) == 110, f"{len(frames)} frames, expected 110")


CASES = {
    "transcribe-file": case_transcribe_file,
    "subtitles": case_subtitles,
    "exit-switcher": case_exit_switcher,
    "exit-switcher-errors": case_exit_switcher_errors,
    "exit-switcher-py": case_exit_switcher_py,
    "cookbook": case_cookbook,
}


def setup(args):
    """W2VEE_MODEL: the small_group reference model, for every example."""
    models = testlib.RefModels(os.environ.get("W2VEE_TEST_MODELS", ""))
    os.environ["W2VEE_MODEL"] = models.model("small_group")
    args.exit_switcher = os.path.abspath(args.exit_switcher)
    return args


def in_scratch(name, fn):
    """Case @fn, run in a new scratch folder of its own."""
    return lambda e: fn(e, testlib.scratch_dir(e.workdir, f"example-{name}-"))


if __name__ == "__main__":
    testlib.main({name: in_scratch(name, fn) for name, fn in CASES.items()},
                 "the examples and docs/element.md's cookbook",
                 required=["--examples", "--exit-switcher", "--docs", "--workdir"],
                 setup=setup)
