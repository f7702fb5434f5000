#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Soak test of the live element (docs/reliability.md "Soak"): speech pushed through
appsrc (is-live) into wav2vec2ee at SPEED times real time for DURATION seconds, under
GStreamer's leaks tracer; the resident set size is sampled every INTERVAL seconds.

    nice -n 19 /usr/bin/python3 tests/soak/soak.py [--duration 3600] [--speed 4]
        [--interval 30] [--build build] [--model models/default] [--csv rss.csv]

It runs the pipeline in a child process (GST_TRACERS=leaks, GST_DEBUG=GST_TRACER:7) and
prints: audio pushed, final results and dropped-segment warnings, the RSS samples (and
the bytes queued in appsrc, which grow if the pipeline falls behind the input, and the
heap bytes in use, which tell a leak or a growing container from fragmentation), the
RSS slope after the warm-up (least squares over the samples after the first 10 %, in
MiB per hour) and the objects the leaks tracer found alive at Gst.deinit(). Exit status
0 when no object leaked, no error was posted and results kept coming; the slope is
reported, not judged (a reader compares it with the run's length).
Needs /usr/bin/python3 with gi (GStreamer), espeak-ng and sox.
"""

import argparse
import ctypes
import gc
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

SENTENCE = ("Open the window and let the sunshine in, the quick brown fox jumps over the "
            "lazy dog, and speech recognition runs on a small computer.")
RATE = 16000


def status_kib(key):
    """A size line of /proc/self/status, e.g. VmRSS or RssAnon, in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_kib():
    return status_kib("VmRSS")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


_MALLINFO2 = []   # the function, looked up once (each CDLL lookup keeps Python objects)


def heap_in_use_kib():
    """Bytes malloc has handed out and not had back (glibc's mallinfo2, all arenas):
    a leak or a growing container raises it; fragmentation raises RSS alone."""
    if not _MALLINFO2:
        try:
            f = ctypes.CDLL(None).mallinfo2
        except AttributeError:
            return -1
        f.restype = _Mallinfo2
        _MALLINFO2.append(f)
    m = _MALLINFO2[0]()
    return (m.uordblks + m.hblkhd) // 1024


def speech(tmp):
    """Two sentences and a second of silence, 16 kHz S16LE bytes."""
    wav = os.path.join(tmp, "talk.wav")
    raw = os.path.join(tmp, "talk.raw")
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", wav, SENTENCE + " " + SENTENCE],
                   check=True, timeout=60)
    subprocess.run(["sox", wav, "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed",
                    "-t", "raw", raw], check=True, timeout=60)
    with open(raw, "rb") as f:
        return f.read() + bytes(2 * RATE)


def push(Gst, src, pcm, pushed, step):
    """Pushes the next buffer (looping over @pcm); returns its samples. A function, so
    that no Python reference to the buffer outlives the push."""
    i = (pushed * 2) % len(pcm)
    chunk = pcm[i:i + step]
    buf = Gst.Buffer.new_wrapped(chunk)
    buf.pts = pushed * Gst.SECOND // RATE
    buf.duration = len(chunk) // 2 * Gst.SECOND // RATE
    src.emit("push-buffer", buf)
    return len(chunk) // 2


def child(args):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    with tempfile.TemporaryDirectory(prefix="w2vee-soak-") as tmp:
        pcm = speech(tmp)
    p = Gst.parse_launch(
        "appsrc name=src is-live=true format=time do-timestamp=false max-bytes=0 "
        "caps=audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved ! "
        f"audioconvert ! wav2vec2ee name=asr model={args.model} ! fakesink sync=false "
        "asr.text_src ! fakesink sync=false")
    src = p.get_by_name("src")
    counts = {"final": 0, "partial": 0, "dropped": 0, "errors": []}
    lock = threading.Lock()

    def on_sync(bus, msg):
        s = msg.get_structure()
        with lock:
            if msg.type == Gst.MessageType.ELEMENT and s is not None and \
                    s.get_name() == "wav2vec2ee":
                counts["final" if s.get_boolean("final")[1] else "partial"] += 1
            elif msg.type == Gst.MessageType.WARNING:
                counts["dropped"] += 1
            elif msg.type == Gst.MessageType.ERROR:
                counts["errors"].append(msg.parse_error()[0].message)
        # PASS, and the push loop pops them: a DROP from a Python sync handler leaves
        # every message alive (the leaks tracer counted them all at Gst.deinit())
        return Gst.BusSyncReply.PASS
    bus = p.get_bus()
    bus.set_sync_handler(on_sync)
    p.set_state(Gst.State.PLAYING)

    step = 3200 * 2                      # 200 ms buffers
    t0 = time.monotonic()
    next_sample = t0
    pushed = 0                           # samples
    out = open(args.csv, "w") if args.csv else None
    # rss_file_mib: mapped files (the model); py_blocks: the driver's own Python objects
    # (sys.getallocatedblocks), which live in CPython's arenas, outside glibc's heap
    print("wall_s,audio_s,rss_mib,final,dropped,appsrc_kib,heap_mib,rss_file_mib,py_blocks",
          flush=True)
    while True:
        now = time.monotonic()
        if now >= next_sample:
            with lock:
                line = (f"{now - t0:.0f},{pushed / RATE:.0f},{rss_kib() / 1024:.1f},"
                        f"{counts['final']},{counts['dropped']},"
                        f"{src.get_property('current-level-bytes') // 1024},"
                        f"{heap_in_use_kib() / 1024:.1f},"
                        f"{status_kib('RssFile') / 1024:.1f},{sys.getallocatedblocks()}")
            print(line, flush=True)
            if out:
                out.write(line + "\n")
                out.flush()
            next_sample += args.interval
        if now - t0 >= args.duration or counts["errors"]:
            break
        pushed += push(Gst, src, pcm, pushed, step)
        while True:
            m = bus.pop_filtered(Gst.MessageType.ELEMENT | Gst.MessageType.WARNING |
                                 Gst.MessageType.QOS | Gst.MessageType.LATENCY)
            if m is None:
                break
            del m
        # SPEED times real time: this buffer's audio "lasts" duration / speed of wall time
        wake = t0 + pushed / RATE / args.speed
        delay = wake - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    src.emit("end-of-stream")
    bus.timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    bus.set_sync_handler(None)
    p.set_state(Gst.State.NULL)
    print(f"SUMMARY audio_s={pushed / RATE:.0f} final={counts['final']} "
          f"partial={counts['partial']} dropped={counts['dropped']} "
          f"errors={len(counts['errors'])} {'; '.join(counts['errors'][:3])}", flush=True)
    del p, src, bus
    gc.collect()
    Gst.deinit()


def slope_mib_per_hour(rows):
    """Least-squares slope of RSS over wall time after the first 10 % of the run."""
    if len(rows) < 3:
        return float("nan")
    start = rows[-1][0] * 0.1
    pts = [(t, r) for t, r in rows if t >= start]
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mr = sum(r for _, r in pts) / n
    var = sum((t - mt) ** 2 for t, _ in pts)
    if var == 0:
        return float("nan")
    return sum((t - mt) * (r - mr) for t, r in pts) / var * 3600


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--duration", type=float, default=3600, help="seconds of wall time")
    ap.add_argument("--speed", type=float, default=4, help="times real time")
    ap.add_argument("--interval", type=float, default=30, help="seconds between RSS samples")
    ap.add_argument("--build", default=os.path.join(root, "build"), help="build directory")
    ap.add_argument("--model", default=os.path.join(root, "models", "default"))
    ap.add_argument("--csv", default=None, help="also write the samples here")
    ap.add_argument("--tracers", default="leaks",
                    help="GST_TRACERS of the child ('' for none: RSS without the tracer)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0

    with tempfile.TemporaryDirectory(prefix="w2vee-soak-") as tmp:
        env = dict(os.environ, GST_TRACERS=args.tracers, GST_DEBUG="GST_TRACER:7",
                   GST_PLUGIN_PATH=os.path.join(args.build, "plugin"),
                   GST_REGISTRY_1_0=os.path.join(tmp, "registry.bin"), W2VEE_MODEL="")
        cmd = [sys.executable, os.path.abspath(__file__), "--child",
               "--duration", str(args.duration), "--speed", str(args.speed),
               "--interval", str(args.interval), "--model", args.model]
        if args.csv:
            cmd += ["--csv", os.path.abspath(args.csv)]
        print(" ".join(cmd), flush=True)
        errlog = os.path.join(tmp, "stderr.log")
        with open(errlog, "w") as err:
            p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
            rows, summary = [], ""
            for line in p.stdout:
                print(line, end="", flush=True)
                parts = line.strip().split(",")
                if len(parts) == 7 and parts[0].isdigit():
                    rows.append((float(parts[0]), float(parts[2])))
                elif line.startswith("SUMMARY"):
                    summary = line
            status = p.wait()
        with open(errlog) as f:
            stderr = f.read()
    # one "object-alive" record per object alive at Gst.deinit() (tests/element/
    # test_pipelines.py reads them the same way)
    leaks = [l for l in stderr.splitlines()
             if "object-alive, type-name=(string)" in l and "new format string" not in l]
    criticals = [l for l in stderr.splitlines() if re.search(r"-(CRITICAL|WARNING) \*\*", l)]
    slope = slope_mib_per_hour(rows)
    if rows:
        print(f"RSS: first {rows[0][1]:.1f} MiB, last {rows[-1][1]:.1f} MiB, "
              f"max {max(r for _, r in rows):.1f} MiB over {rows[-1][0]:.0f} s; "
              f"slope after warm-up {slope:+.2f} MiB/hour")
    print(f"leaks tracer: {len(leaks)} objects alive at Gst.deinit()")
    for l in leaks[:20]:
        print("  ", l[l.index("object-alive"):][:300])
    for l in criticals[:10]:
        print("  ", l)
    ok = status == 0 and not leaks and not criticals and "errors=0" in summary and \
        " final=0 " not in summary
    print("soak:", "PASS" if ok else f"FAIL (child exit {status})")
    if not ok and stderr:
        print(stderr[-3000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
