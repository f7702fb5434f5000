#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Transcribe a file with wav2vec2ee from Python, changing the exit as it goes.

    examples/exit_switcher.py FILE

Reads the element messages named "wav2vec2ee" from the bus and prints each
result with the exit and layer that produced it. After each result it moves
"exit" to the next exit (1, 2, ..., n-exits, 1, ...): the change applies to the
segments that end after it, so consecutive results come from different exits.

The file plays in real time (fakesink sync=true), as a live stream would, so
that each change lands before the next segment ends. Needs PyGObject and the
GStreamer typelib (Debian: python3-gi, gir1.2-gstreamer-1.0). The model is
$W2VEE_MODEL or the default model.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def seconds(ns):
    return ns / Gst.SECOND


def main(argv):
    if len(argv) != 2:
        print("usage: exit_switcher.py FILE", file=sys.stderr)
        return 2
    Gst.init(None)
    pipeline = Gst.parse_launch(
        "uridecodebin name=src ! audioconvert ! audioresample ! "
        "wav2vec2ee name=asr ! fakesink sync=true")
    pipeline.get_by_name("src").set_property("uri", Gst.filename_to_uri(argv[1]))
    asr = pipeline.get_by_name("asr")
    loop = GLib.MainLoop()
    status = 0

    def on_message(bus, message):
        nonlocal status
        s = message.get_structure()
        if message.type == Gst.MessageType.ELEMENT and s.get_name() == "wav2vec2ee":
            if not s.get_boolean("final")[1]:
                return  # a partial result: the final one follows
            _, timestamp = s.get_uint64("timestamp")
            _, duration = s.get_uint64("duration")
            _, exit_ = s.get_uint("exit")
            _, layer = s.get_uint("layer")
            _, confidence = s.get_double("confidence")
            print(f"{seconds(timestamp):7.3f} s +{seconds(duration):.3f} s  "
                  f"exit {exit_} (layer {layer})  confidence {confidence:.2f}  "
                  f"{s.get_string('text')}", flush=True)
            n_exits = asr.get_property("n-exits")
            asr.set_property("exit", exit_ % n_exits + 1)
        elif message.type == Gst.MessageType.ERROR:
            error, _ = message.parse_error()
            print(f"exit_switcher.py: {error.message}", file=sys.stderr)
            status = 1
            loop.quit()
        elif message.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    # the model is loaded at NULL -> READY
    if pipeline.set_state(Gst.State.READY) == Gst.StateChangeReturn.FAILURE:
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        print(f"exit_switcher.py: {msg.parse_error()[0].message if msg else 'cannot start'}",
              file=sys.stderr)
        return 1
    n_exits = asr.get_property("n-exits")
    print(f"model: {n_exits} exits; starting at exit 1", flush=True)
    asr.set_property("exit", 1)

    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
