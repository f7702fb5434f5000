#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""libgstw2vee through GObject-Introspection (PyGObject), run by meson test.

    test_gi.py DOC.md

With GI_TYPELIB_PATH and LD_LIBRARY_PATH at the build's gst/ (meson sets them): builds
transcripts with the typelib, puts them on buffers as metas and sends those through a real
appsrc ! appsink pipeline, posts element messages on a real bus, and reads everything back
field by field; then runs the ```python block of DOC.md (docs/meta.md) on the same inputs
and checks what it prints. Prints TAP.
"""
import contextlib
import io
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("W2veeGst", "0.1")
from gi.repository import GLib, Gst, W2veeGst  # noqa: E402

NONE = Gst.CLOCK_TIME_NONE

# (text, timestamp, duration, stream_time, running_time, exit, layer, confidence, final,
#  words [(word, start, duration, confidence)]); confidences are exact in float32
CASES = [
    ("HELLO WORLD", 1 * Gst.SECOND, 1500 * Gst.MSECOND, 3 * Gst.SECOND, 2 * Gst.SECOND,
     2, 4, 0.75, False,
     [("HELLO", 1 * Gst.SECOND, 400 * Gst.MSECOND, 0.5),
      ("WORLD", 1600 * Gst.MSECOND, 500 * Gst.MSECOND, 1.0)]),
    ("", 7 * Gst.SECOND, 20 * Gst.MSECOND, NONE, NONE, 1, 1, 0.0, True, []),
    ("ÉTÉ ÇA", 2**40, 10 * Gst.SECOND, 0, NONE, 12, 24, 0.25, True,
     [("ÉTÉ", 2**40, 1, 0.125), ("ÇA", 2**40 + 5 * Gst.SECOND, 5 * Gst.SECOND, 0.0)]),
]

results = []


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def make(case):
    text, ts, dur, st, rt, ex, layer, conf, final, words = case
    t = W2veeGst.Transcript.new(text)
    t.timestamp, t.duration, t.stream_time, t.running_time = ts, dur, st, rt
    t.exit, t.layer, t.confidence, t.final = ex, layer, conf, final
    for w in words:
        t.add_word(*w)
    check(t.validate(), "validate")
    return t


def assert_same(t, case, where):
    text, ts, dur, st, rt, ex, layer, conf, final, words = case
    got = (t.text, t.timestamp, t.duration, t.stream_time, t.running_time, t.exit, t.layer,
           t.confidence, t.final)
    want = (text, ts, dur, st, rt, ex, layer, conf, final)
    check(got == want, f"{where}: {got} != {want}")
    check(t.n_words == len(words), f"{where}: {t.n_words} words, want {len(words)}")
    for i, w in enumerate(words):
        g = t.get_word(i)
        check((g.word, g.start, g.duration, g.confidence) == w,
              f"{where}: word {i} {(g.word, g.start, g.duration, g.confidence)} != {w}")
    check(t.get_word(len(words)) is None, f"{where}: a word past the last")


def run_pipeline(buffers, on_sample=None):
    """Pushes @buffers through appsrc ! appsink; returns the buffers that came out."""
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=audio/x-raw,format=F32LE,rate=16000,channels=1,"
        "layout=interleaved ! appsink name=sink sync=false emit-signals=true")
    src, sink = pipeline.get_by_name("src"), pipeline.get_by_name("sink")
    out = []

    def pulled(s):
        if on_sample is not None:
            return on_sample(s)
        out.append(s.emit("pull-sample").get_buffer())
        return Gst.FlowReturn.OK

    sink.connect("new-sample", pulled)
    check(pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE, "PLAYING")
    for b in buffers:
        check(src.emit("push-buffer", b) == Gst.FlowReturn.OK, "push-buffer")
    src.emit("end-of-stream")
    msg = pipeline.get_bus().timed_pop_filtered(10 * Gst.SECOND,
                                                Gst.MessageType.EOS | Gst.MessageType.ERROR)
    check(msg is not None and msg.type == Gst.MessageType.EOS, f"no EOS: {msg}")
    pipeline.set_state(Gst.State.NULL)
    return out


def audio_buffer(pts, transcripts):
    b = Gst.Buffer.new_wrapped(bytes(4 * 160))
    b.pts, b.duration = pts, 10 * Gst.MSECOND
    for t in transcripts:
        check(W2veeGst.buffer_add_transcript_meta(b, t) is not None, "add meta")
    return b


def test_buffer_meta():
    """(a) metas on buffers through a pipeline: every field of every transcript."""
    ts = [make(c) for c in CASES]
    out = run_pipeline([audio_buffer(0, ts), audio_buffer(10 * Gst.MSECOND, []),
                        audio_buffer(20 * Gst.MSECOND, ts[2:])])
    check(len(out) == 3, f"{len(out)} buffers out")
    check([W2veeGst.buffer_get_n_transcripts(b) for b in out] == [3, 0, 1], "meta counts")
    for i, case in enumerate(CASES):
        assert_same(W2veeGst.buffer_get_transcript(out[0], i), case, f"buffer 0 meta {i}")
    assert_same(W2veeGst.buffer_get_transcript(out[2], 0), CASES[2], "buffer 2 meta 0")
    check(W2veeGst.buffer_get_transcript(out[0], 3) is None, "a meta past the last")
    check(W2veeGst.buffer_get_transcript(out[1], 0) is None, "a meta on a bare buffer")
    # the copy is the caller's: changing it leaves the meta alone
    c = W2veeGst.buffer_get_transcript(out[0], 0)
    c.set_text("CHANGED")
    c.exit = 9
    assert_same(W2veeGst.buffer_get_transcript(out[0], 0), CASES[0], "meta after a copy changed")


def test_message():
    """(b) element messages on a real bus, made by the C helper and from a structure
    string (as any element would post it): every field; errors as GLib.Error."""
    pipeline = Gst.Pipeline.new("p")
    bus = pipeline.get_bus()
    for i, case in enumerate(CASES):
        bus.post(W2veeGst.message_new_transcript(pipeline, make(case)))
        msg = bus.pop_filtered(Gst.MessageType.ELEMENT)
        check(msg.src == pipeline and msg.has_name(W2veeGst.MESSAGE_NAME), "message name/src")
        assert_same(W2veeGst.message_parse_transcript(msg), case, f"message {i}")
        # through the structure's string form, as another element would post it
        s, _ = Gst.Structure.from_string(msg.get_structure().to_string())
        again = Gst.Message.new_element(pipeline, s)
        assert_same(W2veeGst.message_parse_transcript(again), case, f"message {i} (string)")

    def error_of(message):
        try:
            W2veeGst.message_parse_transcript(message)
        except GLib.Error as e:
            return e
        raise AssertionError("no error")

    e = error_of(Gst.Message.new_eos(pipeline))
    check(e.domain == "w2vee-gst-error-quark" and e.code == W2veeGst.Error.NOT_TRANSCRIPT,
          f"EOS: {e.domain} {e.code}")
    s = W2veeGst.Transcript.to_structure(make(CASES[0]))
    s.remove_field("layer")
    e = error_of(Gst.Message.new_element(pipeline, s))
    check(e.code == W2veeGst.Error.MISSING_FIELD and "layer" in e.message, f"missing: {e}")
    s = W2veeGst.Transcript.to_structure(make(CASES[0]))
    s.set_value("exit", 0)  # an int: wrong type (guint expected)
    e = error_of(Gst.Message.new_element(pipeline, s))
    check(e.code == W2veeGst.Error.FIELD_TYPE and "exit" in e.message, f"type: {e}")


def doc_block(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    blocks = text.split("```python\n")[1:]
    check(len(blocks) == 1, f"{path}: {len(blocks)} python blocks, want 1")
    return blocks[0].split("\n```")[0]


def test_doc_example(doc):
    """The docs/meta.md example prints what the C example prints (the meta-doc test)."""
    ns = {}
    exec(compile(doc_block(doc), doc, "exec"), ns)
    pipeline = Gst.Pipeline.new("p")
    bus = pipeline.get_bus()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        bus.post(W2veeGst.message_new_transcript(pipeline, make(CASES[0])))
        bus.post(Gst.Message.new_eos(pipeline))
        for msg in (bus.pop(), bus.pop()):
            check(ns["on_bus_message"](bus, msg) is True, "the watch returns True")
        run_pipeline([audio_buffer(0, [make(CASES[0]), make(CASES[1])]),
                      audio_buffer(10 * Gst.MSECOND, [])], ns["on_new_sample"])
    want = ("[1.000 +1.500] exit 2 (layer 4, confidence 0.75) partial: HELLO WORLD\n"
            "  HELLO at 1.000 for 0.400 (0.50)\n"
            "  WORLD at 1.600 for 0.500 (1.00)\n"
            "buffer 0.000: exit 2: HELLO WORLD\n"
            "buffer 0.000: exit 1: \n")
    check(printed.getvalue() == want, f"printed {printed.getvalue()!r}, want {want!r}")


def main():
    Gst.init(None)
    tests = [("buffer-meta", test_buffer_meta), ("message", test_message),
             ("doc-example", lambda: test_doc_example(sys.argv[1]))]
    print(f"1..{len(tests)}")
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        try:
            fn()
            print(f"ok {i} /gstmeta/gi/{name}")
        except Exception as e:  # noqa: BLE001 -- reported as a TAP failure
            failed += 1
            print(f"not ok {i} /gstmeta/gi/{name}")
            for line in f"{type(e).__name__}: {e}".splitlines():
                print(f"# {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
