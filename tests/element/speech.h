/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Test speech: sentences synthesised by espeak-ng at test time, decoded to 16 kHz
 * mono float by GStreamer (wavparse, audioconvert, audioresample), and laid out
 * with silences in between. */
#ifndef W2VEE_TEST_SPEECH_H
#define W2VEE_TEST_SPEECH_H

#include <glib.h>

G_BEGIN_DECLS

#define SPEECH_RATE 16000

typedef struct {
  gsize start;  /* first sample of the utterance in the signal */
  gsize end;    /* one past its last sample */
} SpeechUtterance;

typedef struct {
  GArray *samples;     /* (float) 16 kHz mono */
  GArray *utterances;  /* (SpeechUtterance) in order */
} SpeechSignal;

/* A segment as the element should report it, in samples of the signal. */
typedef struct {
  gsize start;
  gsize end;
} SpeechSegment;

SpeechSignal *speech_signal_new (void);
void speech_signal_free (SpeechSignal *signal);
/* Appends @seconds of digital silence. */
void speech_signal_add_silence (SpeechSignal *signal, double seconds);
/* Appends @text spoken by espeak-ng (voice en-us), without its leading and
 * trailing silence. Aborts the test with a message when espeak-ng or the
 * decoder is missing. */
void speech_signal_add_speech (SpeechSignal *signal, const char *text);

/* The segment each utterance should give with the element's default
 * segmentation, computed independently of the engine from the rule documented
 * in docs/element.md: 10 ms blocks on the grid of sample 0, a block is speech
 * when its RMS is >= @threshold_db dBFS; the segment runs from 200 ms before
 * the utterance's first speech block to 200 ms after its last one (at most to
 * @signal_end, no earlier than the previous segment's end). Valid when the
 * utterances are separated by more than min-silence and have no such pause
 * inside. Returns an array of SpeechSegment, one per utterance. */
GArray *speech_expected_segments (const SpeechSignal *signal, double threshold_db,
    gsize signal_end);

/* Seconds of samples. */
static inline double
speech_seconds (gsize samples)
{
  return (double) samples / SPEECH_RATE;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpeechSignal, speech_signal_free)

G_END_DECLS

#endif /* W2VEE_TEST_SPEECH_H */
