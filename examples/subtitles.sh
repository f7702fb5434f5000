#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# Captions over video: wav2vec2ee's text_src feeds textoverlay.
#
#   examples/subtitles.sh                  play the demo in a window, with sound
#   examples/subtitles.sh --headless DIR   write the frames, captions drawn, as
#                                          DIR/frame-00000.png ... (10 per second)
#                                          and print the transcripts
#
# The demo video is made first, in a temporary directory: the SMPTE 75 % test
# pattern of videotestsrc and three sentences spoken by espeak-ng, 1.5 s apart,
# in a Matroska file (VP8 video, PCM audio).
#
# Two details make the pipeline work (docs/element.md, "Captions"):
#   - textoverlay waits for the text stream (wait-text=true): a caption comes
#     out only after its segment ended and was decoded, so the audio must be
#     able to run ahead of the video by chunk-duration + min-silence (10.5 s)
#     and the decoding time: a queue of 20 s after wav2vec2ee. Without it the
#     prerolled audio sink blocks the audio while the video waits for a
#     caption that needs more audio: a deadlock;
#   - wav2vec2ee pushes GAP events on text_src during silences, so the video
#     goes on where there is no caption.
#
# The model is $W2VEE_MODEL or the default model; from a build tree, run it
# through `meson devenv -C BUILDDIR`.
set -eu

mode=play
if [ "${1:-}" = "--headless" ]; then
  mode=headless
  out=${2:?usage: $0 --headless DIR}
  mkdir -p "$out"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. the speech (22.05 kHz WAV from espeak-ng)
espeak-ng -v en-us -m -w "$tmp/speech.wav" '<speak>Open the window and let the sunshine in.
  <break time="1500ms"/> The quick brown fox jumps over the lazy dog.
  <break time="1500ms"/> Speech recognition on a small computer.</speak>'

# 2. the demo video: as many frames (10 per second) as the speech lasts, + 1 s
bytes=$(wc -c < "$tmp/speech.wav")
frames=$(( (bytes - 44) * 10 / 44100 + 10 ))
gst-launch-1.0 -q matroskamux name=mux ! filesink location="$tmp/demo.mkv" \
  videotestsrc pattern=smpte75 num-buffers=$frames \
    ! video/x-raw,width=480,height=270,framerate=10/1 \
    ! vp8enc deadline=1 ! queue ! mux. \
  filesrc location="$tmp/speech.wav" ! wavparse ! audioconvert ! audioresample \
    ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! queue ! mux.

# 3. play it with captions
if [ "$mode" = play ]; then
  gst-launch-1.0 filesrc location="$tmp/demo.mkv" ! decodebin name=dec \
    dec. ! audioconvert ! audioresample ! wav2vec2ee name=asr \
      ! queue max-size-time=20000000000 max-size-buffers=0 max-size-bytes=0 \
      ! audioconvert ! autoaudiosink \
    dec. ! videoconvert ! textoverlay name=ov font-desc="Sans 20" \
      ! videoconvert ! autovideosink \
    asr.text_src ! queue ! ov.text_sink
else
  gst-launch-1.0 -m filesrc location="$tmp/demo.mkv" ! decodebin name=dec \
    dec. ! audioconvert ! audioresample ! wav2vec2ee name=asr \
      ! queue max-size-time=20000000000 max-size-buffers=0 max-size-bytes=0 ! fakesink \
    dec. ! videoconvert ! textoverlay name=ov font-desc="Sans 20" \
      ! videoconvert ! pngenc ! multifilesink location="$out/frame-%05d.png" \
    asr.text_src ! queue ! ov.text_sink \
    | grep 'wav2vec2ee, text='
fi
