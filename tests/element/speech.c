/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* See speech.h. */
#include "speech.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/app.h>
#include <gst/gst.h>

#define BLOCK 160             /* 10 ms */
#define MARGIN 3200           /* 200 ms of silence kept on each side */
#define TRIM_LEVEL 1e-3f      /* samples below this (-60 dBFS) around a clip are cut */

SpeechSignal *
speech_signal_new (void)
{
  SpeechSignal *signal = g_new0 (SpeechSignal, 1);

  signal->samples = g_array_new (FALSE, TRUE, sizeof (float));
  signal->utterances = g_array_new (FALSE, FALSE, sizeof (SpeechUtterance));
  return signal;
}

void
speech_signal_free (SpeechSignal *signal)
{
  if (signal == NULL)
    return;
  g_array_unref (signal->samples);
  g_array_unref (signal->utterances);
  g_free (signal);
}

void
speech_signal_add_silence (SpeechSignal *signal, double seconds)
{
  gsize n = (gsize) llround (seconds * SPEECH_RATE);

  g_array_set_size (signal->samples, signal->samples->len + n);  /* zeroed */
}

/* Decodes a WAV file to 16 kHz mono float with GStreamer. */
static GArray *
decode_wav (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! "
      "audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=%d,channels=1 ! "
      "appsink name=sink sync=false", path, SPEECH_RATE);
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstElement *sink;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (float));
  GstSample *sample;

  if (pipeline == NULL)
    g_error ("cannot build the decoder \"%s\": %s", desc, error->message);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL) {
    GstMapInfo map;
    GstBuffer *buffer = gst_sample_get_buffer (sample);

    g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
    g_array_append_vals (out, map.data, map.size / sizeof (float));
    gst_buffer_unmap (buffer, &map);
    gst_sample_unref (sample);
  }
  g_assert_true (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return out;
}

void
speech_signal_add_speech (SpeechSignal *signal, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *espeak = g_find_program_in_path ("espeak-ng");
  g_autofree char *dir = NULL;
  g_autofree char *wav = NULL;
  g_autoptr (GArray) clip = NULL;
  int status = 0;
  gsize first, last;
  SpeechUtterance u;

  if (espeak == NULL)
    g_error ("espeak-ng is not installed: the element tests synthesise their speech "
        "with it (apt-get install espeak-ng)");
  dir = g_dir_make_tmp ("w2vee-speech-XXXXXX", &error);
  g_assert_no_error (error);
  wav = g_build_filename (dir, "speech.wav", NULL);
  {
    const char *argv[] = { espeak, "-v", "en-us", "-w", wav, text, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
        NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  clip = decode_wav (wav);
  g_unlink (wav);
  g_rmdir (dir);

  for (first = 0; first < clip->len
      && fabsf (g_array_index (clip, float, first)) < TRIM_LEVEL; first++);
  for (last = clip->len; last > first
      && fabsf (g_array_index (clip, float, last - 1)) < TRIM_LEVEL; last--);
  g_assert_cmpuint (last - first, >, SPEECH_RATE / 4);

  u.start = signal->samples->len;
  u.end = u.start + (last - first);
  g_array_append_vals (signal->samples, &g_array_index (clip, float, first),
      last - first);
  g_array_append_val (signal->utterances, u);
}

static gboolean
block_is_speech (const SpeechSignal *signal, gsize block, double threshold_db)
{
  const float *x = &g_array_index (signal->samples, float, block * BLOCK);
  double sum = 0.0;

  for (gsize i = 0; i < BLOCK; i++)
    sum += (double) x[i] * x[i];
  return 10.0 * log10 (sum / BLOCK + 1e-20) >= threshold_db;
}

GArray *
speech_expected_segments (const SpeechSignal *signal, double threshold_db,
    gsize signal_end)
{
  GArray *segments = g_array_new (FALSE, FALSE, sizeof (SpeechSegment));
  gsize prev_end = 0;

  for (guint i = 0; i < signal->utterances->len; i++) {
    const SpeechUtterance *u = &g_array_index (signal->utterances,
        SpeechUtterance, i);
    gsize b, first = G_MAXSIZE, last = 0;
    SpeechSegment seg;

    for (b = u->start / BLOCK; (b + 1) * BLOCK <= MIN (u->end + BLOCK,
            signal->samples->len); b++) {
      if (block_is_speech (signal, b, threshold_db)) {
        first = MIN (first, b);
        last = b;
      }
    }
    g_assert_cmpuint (first, !=, G_MAXSIZE);
    seg.start = first * BLOCK > prev_end + MARGIN ? first * BLOCK - MARGIN
        : prev_end;
    seg.end = MIN ((last + 1) * BLOCK + MARGIN, signal_end);
    g_array_append_val (segments, seg);
    prev_end = seg.end;
  }
  return segments;
}
