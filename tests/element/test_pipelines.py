#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Real pipelines around wav2vec2ee with text_src linked: the element must never
wait on its captions.

    test_pipelines.py CASE            runs CASE in a child process under the leaks
                                      tracer and checks its verdict and the leaks
    test_pipelines.py --child CASE    the child: runs the pipeline, prints PASS

Cases (each one hung or failed before the text_src pad task):
  paused        PLAYING 1 s then PAUSED with fakesink sync=true on both pads:
                PAUSED completes (the text sink prerolls on a GAP)
  empty         EOS without a buffer, text_src linked: the pipeline ends
  video-first   captions over a video that ends before the audio: EOS comes
  live-segments 4 s of live silence: one segment event on text_src, not one per
                audio buffer
  frame0        headless captions (textoverlay, as examples/subtitles.sh): the
                first caption is drawn on frame 0
  latency       live: text_src's latency is the documented value from the start
                and does not change when captions come
  lm            lm=default on the bundled example reads "HELLO THIS IS A SMALL
                SPEECH ..." (greedy spells it phonetically); a missing LM file
                fails the start with an error naming it
  python-props  PyGObject reads exit-layers-string ("2,4,6,8" for the default
                model) and the new properties' defaults
  partials      live, real-time pace, text_src linked to a syncing sink, the
                audio through the queue a live pipeline with text_src needs
                (max-size-time >= text_src's latency): a ~9 s utterance yields >= 5 partial results, each
                within 1.5 s of the audio it covers, then one final within 1.5 s
                of the end of speech + min-silence; the final's text equals the
                one decoded with partial-interval=0

The model is $W2VEE_MODEL (the default model in meson's environment). Speech
comes from espeak-ng. Needs PyGObject (python3-gi, gir1.2-gstreamer-1.0).
"""

import gc
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

SENTENCE = ("Open the window and let the sunshine in, the quick brown fox jumps "
            "over the lazy dog, and speech recognition runs on a small computer")


def espeak(path, text, extra=()):
    subprocess.run(["espeak-ng", "-v", "en-us", *extra, "-w", path, text],
                   check=True, timeout=60)


class Verdict(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Verdict(what)


def child(case, tmp):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    try:
        CASES[case](Gst, tmp)
    finally:
        gc.collect()
        Gst.deinit()


def wait_bus(Gst, pipeline, types, seconds):
    bus = pipeline.get_bus()
    msg = bus.timed_pop_filtered(int(seconds * Gst.SECOND), types | Gst.MessageType.ERROR)
    if msg is not None and msg.type == Gst.MessageType.ERROR:
        raise Verdict("error: %s" % msg.parse_error()[0].message)
    return msg


def finish(Gst, pipeline):
    pipeline.set_state(Gst.State.NULL)
    pipeline.get_state(Gst.CLOCK_TIME_NONE)


def play_to_eos(Gst, description, seconds):
    """Runs the pipeline @description; fails unless EOS comes within @seconds."""
    p = Gst.parse_launch(description)
    p.set_state(Gst.State.PLAYING)
    msg = wait_bus(Gst, p, Gst.MessageType.EOS, seconds)
    finish(Gst, p)
    check(msg is not None, f"no EOS within {seconds} s")


def case_paused(Gst, tmp):
    wav = os.path.join(tmp, "s.wav")
    espeak(wav, SENTENCE)
    p = Gst.parse_launch(
        f"filesrc location={wav} ! wavparse ! audioconvert ! audioresample ! "
        "wav2vec2ee name=asr ! fakesink sync=true asr.text_src ! fakesink sync=true")
    p.set_state(Gst.State.PLAYING)
    ret, _, _ = p.get_state(10 * Gst.SECOND)
    check(ret == Gst.StateChangeReturn.SUCCESS, f"PLAYING: {ret}")
    time.sleep(1)
    p.set_state(Gst.State.PAUSED)
    ret, state, _ = p.get_state(10 * Gst.SECOND)
    check(ret == Gst.StateChangeReturn.SUCCESS and state == Gst.State.PAUSED,
          f"PAUSED did not complete: {ret}")
    p.set_state(Gst.State.PLAYING)
    msg = wait_bus(Gst, p, Gst.MessageType.EOS, 60)
    check(msg is not None, "no EOS after resuming")
    finish(Gst, p)


def case_empty(Gst, tmp):
    play_to_eos(Gst, "audiotestsrc num-buffers=0 ! audio/x-raw,rate=16000,channels=1 ! "
                "wav2vec2ee name=asr ! fakesink asr.text_src ! fakesink", 10)


def case_video_first(Gst, tmp):
    wav = os.path.join(tmp, "s.wav")
    espeak(wav, SENTENCE)
    play_to_eos(Gst,
                f"filesrc location={wav} ! wavparse ! audioconvert ! audioresample ! "
                "wav2vec2ee name=asr ! queue max-size-time=20000000000 max-size-buffers=0 "
                "max-size-bytes=0 ! fakesink "
                "videotestsrc num-buffers=10 ! video/x-raw,width=160,height=90,framerate=10/1 "
                "! textoverlay name=ov ! fakesink "
                "asr.text_src ! queue ! ov.text_sink", 30)


def case_live_segments(Gst, tmp):
    p = Gst.parse_launch(
        "audiotestsrc is-live=true wave=silence samplesperbuffer=1600 ! "
        "audio/x-raw,rate=16000,channels=1 ! wav2vec2ee name=asr ! fakesink "
        "asr.text_src ! fakesink")
    counts = {"segment": 0, "gap": 0}
    pad = p.get_by_name("asr").get_static_pad("text_src")

    def probe(pad, info):
        ev = info.get_event()
        if ev.type == Gst.EventType.SEGMENT:
            counts["segment"] += 1
        elif ev.type == Gst.EventType.GAP:
            counts["gap"] += 1
        return Gst.PadProbeReturn.OK
    pad.add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, probe)
    p.set_state(Gst.State.PLAYING)
    time.sleep(4)
    finish(Gst, p)
    check(counts["segment"] == 1, f"{counts['segment']} segment events in 4 s")
    check(counts["gap"] >= 2, f"only {counts['gap']} GAP events in 4 s")


def case_frame0(Gst, tmp):
    wav = os.path.join(tmp, "s.wav")
    espeak(wav, "Open the window and let the sunshine in.")
    p = Gst.parse_launch(
        f"filesrc location={wav} ! wavparse ! audioconvert ! audioresample ! "
        "wav2vec2ee name=asr ! queue max-size-time=20000000000 max-size-buffers=0 "
        "max-size-bytes=0 ! fakesink "
        "videotestsrc pattern=black num-buffers=20 ! "
        "video/x-raw,format=BGRx,width=320,height=180,framerate=10/1 ! "
        "textoverlay name=ov wait-text=true font-desc=\"Sans 16\" ! fakesink "
        "asr.text_src ! queue ! ov.text_sink")
    frames = {}
    ov = p.get_by_name("ov")

    def grab(key):
        def probe(pad, info):
            buf = info.get_buffer()
            if buf.pts == 0 and key not in frames:
                ok, m = buf.map(Gst.MapFlags.READ)
                frames[key] = bytes(m.data)
                buf.unmap(m)
            return Gst.PadProbeReturn.OK
        return probe
    ov.get_static_pad("video_sink").add_probe(Gst.PadProbeType.BUFFER, grab("in"))
    ov.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, grab("out"))
    p.set_state(Gst.State.PLAYING)
    msg = wait_bus(Gst, p, Gst.MessageType.EOS, 60)
    finish(Gst, p)
    check(msg is not None, "no EOS within 60 s")
    check("in" in frames and "out" in frames, "frame 0 not seen")
    changed = sum(1 for a, b in zip(frames["in"], frames["out"]) if a != b)
    check(changed > 100, f"frame 0 has no caption ({changed} bytes differ)")


EXPECTED_LATENCY = 10 * 10**9 + 500 * 10**6 + 5 * 10**9  # chunk + min-silence + chunk/2


def case_latency(Gst, tmp):
    p = Gst.parse_launch(
        "audiotestsrc is-live=true wave=silence samplesperbuffer=320 ! "
        "audio/x-raw,rate=16000,channels=1 ! wav2vec2ee name=asr ! fakesink sync=true "
        "asr.text_src ! fakesink name=text sync=true")
    latencies = []
    p.set_state(Gst.State.PLAYING)
    ret, _, _ = p.get_state(10 * Gst.SECOND)
    check(ret == Gst.StateChangeReturn.SUCCESS, f"PLAYING: {ret}")
    for _ in range(3):
        q = Gst.Query.new_latency()
        check(p.query(q), "latency query failed")
        latencies.append(q.parse_latency())
        time.sleep(0.5)
    finish(Gst, p)
    for live, lo, hi in latencies:
        check(live, "not live")
        check(lo >= EXPECTED_LATENCY, f"latency {lo} ns < {EXPECTED_LATENCY}")
    check(len({lo for _, lo, _ in latencies}) == 1, f"latency changed: {latencies}")


def run_live(Gst, samples, rate, partial_interval):
    """Feeds @samples (16 kHz S16LE bytes) at real-time pace through appsrc; returns
    [(wall_seconds_since_start, structure_dict)] of the transcript messages and
    the wall time at which each 100 ms of audio was pushed."""
    p = Gst.parse_launch(
        "appsrc name=src is-live=true format=time do-timestamp=false "
        "caps=audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved ! "
        f"wav2vec2ee name=asr partial-interval={partial_interval} ! "
        "queue max-size-time=20000000000 max-size-buffers=0 max-size-bytes=0 ! "
        "fakesink sync=true asr.text_src ! fakesink sync=true")
    src = p.get_by_name("src")
    got = []
    done = threading.Event()
    t0 = [None]

    def on_sync(bus, msg):
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s is not None and s.get_name() == "wav2vec2ee":
            got.append((time.monotonic() - t0[0], s.get_boolean("final")[1],
                        s.get_uint64("timestamp")[1], s.get_uint64("duration")[1],
                        s.get_string("text")))
        elif msg.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR):
            done.set()
        return Gst.BusSyncReply.PASS
    bus = p.get_bus()
    bus.set_sync_handler(on_sync)
    p.set_state(Gst.State.PLAYING)
    step = 1600 * 2
    t0[0] = time.monotonic()
    for i in range(0, len(samples), step):
        buf = Gst.Buffer.new_wrapped(samples[i:i + step])
        buf.pts = i // 2 * Gst.SECOND // rate
        buf.duration = len(samples[i:i + step]) // 2 * Gst.SECOND // rate
        # real-time pace: buffer i leaves when its audio has been "spoken"
        wake = t0[0] + (i + step) / 2 / rate
        delay = wake - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    done.wait(30)
    bus.set_sync_handler(None)
    finish(Gst, p)
    return got


def case_partials(Gst, tmp):
    wav = os.path.join(tmp, "s.wav")
    espeak(wav, SENTENCE, ("-s", "150"))
    raw = os.path.join(tmp, "s.raw")
    subprocess.run(["sox", wav, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed",
                    "-t", "raw", raw, "pad", "0.5", "1.5"], check=True, timeout=60)
    samples = open(raw, "rb").read()
    rate = 16000
    seconds = len(samples) / 2 / rate
    got = run_live(Gst, samples, rate, Gst.SECOND)
    partials = [g for g in got if not g[1]]
    finals = [g for g in got if g[1]]
    for wall, _, ts, dur, text in got:
        print(f"  {wall:6.2f} s  {'final  ' if _ else 'partial'} "
              f"[{ts / 1e9:.2f}, {(ts + dur) / 1e9:.2f}] {text}")
    check(len(finals) == 1, f"{len(finals)} finals for one utterance ({seconds:.1f} s)")
    check(len(partials) >= 5, f"only {len(partials)} partials")
    for wall, _, ts, dur, _text in partials:
        lag = wall - (ts + dur) / 1e9
        check(lag <= 1.5, f"partial covering up to {(ts + dur) / 1e9:.2f} s came "
              f"{lag:.2f} s after that audio")
    f_wall, _, f_ts, f_dur, f_text = finals[0]
    check(f_wall - (f_ts + f_dur) / 1e9 <= 0.5 + 1.5,
          f"final came {f_wall - (f_ts + f_dur) / 1e9:.2f} s after its segment")
    # finals are unchanged by partials
    off = run_live(Gst, samples, rate, 0)
    off_finals = [g for g in off if g[1]]
    check([g[4] for g in off_finals] == [f_text],
          f"final without partials {[g[4] for g in off_finals]} != {f_text!r}")
    check(all(g[1] for g in off), "partials with partial-interval=0")


def case_python_props(Gst, tmp):
    el = Gst.ElementFactory.make("wav2vec2ee", None)
    check(el is not None, "no wav2vec2ee element")
    check(el.get_property("exit-layers-string") == "", "layers before the model")
    check(el.set_state(Gst.State.READY) == Gst.StateChangeReturn.SUCCESS, "READY")
    n = el.get_property("n-exits")
    layers = el.get_property("exit-layers-string")
    el.set_state(Gst.State.NULL)
    check(n == 4 and layers == "2,4,6,8", f"n-exits {n}, exit-layers-string {layers!r}")
    check(el.get_property("partial-interval") == Gst.SECOND, "partial-interval default")
    check(el.get_property("noise-margin") == 8.0, "noise-margin default")


def finals_of(Gst, description):
    """The texts of the final results of a file pipeline, or the error message."""
    p = Gst.parse_launch(description)
    bus = p.get_bus()
    p.set_state(Gst.State.PLAYING)
    texts, error = [], None
    while True:
        msg = bus.timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.ELEMENT
                                     | Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg is None or msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            error = msg.parse_error()[0].message
            break
        s = msg.get_structure()
        if s.get_name() == "wav2vec2ee" and s.get_boolean("final")[1]:
            texts.append(s.get_string("text"))
    finish(Gst, p)
    return texts, error


def case_lm(Gst, tmp):
    hello = os.path.join(os.environ["W2VEE_SOURCE_ROOT"], "examples", "hello.wav")
    line = (f"filesrc location={hello} ! wavparse ! audioconvert ! audioresample ! "
            "wav2vec2ee {} ! fakesink")
    greedy, error = finals_of(Gst, line.format(""))
    check(error is None, f"greedy: {error}")
    beam, error = finals_of(Gst, line.format("lm=default"))
    check(error is None, f"lm=default: {error}")
    print(f"  greedy: {greedy}\n  lm=default: {beam}")
    check(" ".join(beam).startswith("HELLO THIS IS A SMALL SPEECH"),
          f"lm=default: {beam}")
    check(greedy != beam, "the LM changed nothing")
    _, error = finals_of(Gst, line.format(f"lm={tmp}/missing.arpa"))
    check(error is not None and "missing.arpa" in error, f"missing LM: {error}")


CASES = {
    "lm": case_lm,
    "python-props": case_python_props,
    "paused": case_paused,
    "empty": case_empty,
    "video-first": case_video_first,
    "live-segments": case_live_segments,
    "frame0": case_frame0,
    "latency": case_latency,
    "partials": case_partials,
}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        with tempfile.TemporaryDirectory() as tmp:
            try:
                child(sys.argv[2], tmp)
            except Verdict as e:
                print(f"FAIL: {e}")
                return 1
        print("PASS")
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    case = sys.argv[1]
    env = dict(os.environ, GST_TRACERS="leaks", GST_DEBUG="GST_TRACER:7")
    try:
        p = subprocess.run([sys.executable, __file__, "--child", case], env=env,
                           capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        print(f"{case}: FAIL: the pipeline hung (no verdict within 240 s)")
        return 1
    print(p.stdout)
    # the leaks tracer logs one "object-alive" record per object still alive at
    # Gst.deinit(); GLib criticals and warnings read "Domain-CRITICAL **"
    leaks = [line for line in p.stderr.splitlines()
             if "object-alive, type-name=(string)" in line
             and "new format string" not in line]
    criticals = [line for line in p.stderr.splitlines()
                 if re.search(r"-(CRITICAL|WARNING) \*\*", line)]
    ok = p.returncode == 0 and "PASS" in p.stdout
    if leaks:
        print(f"{case}: {len(leaks)} objects leaked:\n" + "\n".join(leaks[:20]))
        ok = False
    if criticals:
        print(f"{case}: criticals/warnings:\n" + "\n".join(criticals[:20]))
        ok = False
    if not ok:
        print(p.stderr[-3000:], file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
