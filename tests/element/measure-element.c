/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* measure-element: the numbers docs/element.md reports, on this machine.
 *
 *   measure-element [--model DIR] [--threads N] [--no-latency]
 *
 * On speech synthesised by espeak-ng (six sentences, 1 s of silence between
 * them, about 20 s), through a GstHarness:
 *
 *   CPU per audio second, at each exit: the audio pushed as fast as possible
 *   (non-live, nothing dropped); process CPU time (user + system, all threads)
 *   and wall time, each divided by the seconds of audio.
 *
 *   Latency, at the shallowest and the deepest exit: the audio pushed in real
 *   time (20 ms buffers paced by the monotonic clock, live). For each result:
 *     end -> message: from the moment the buffer holding the segment's last
 *       sample was pushed to the moment the element posted the message;
 *     closed -> message: from the moment the segment could be known to have
 *       ended (its end + min-silence - 200 ms of kept silence, i.e. +300 ms by
 *       default) to the message: queueing, inference and publishing.
 *
 * Registered with meson as a benchmark: meson test --benchmark element-measure
 * (W2VEE_MODEL or --model chooses the model).
 */
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "speech.h"
#include "w2vee/w2vee-gst.h"

#define BUFFER_SAMPLES 320      /* 20 ms */
#define CAPS "audio/x-raw, format=F32LE, rate=16000, channels=1, layout=interleaved"
#define KEPT_TAIL (200 * GST_MSECOND)

typedef struct {
  GMutex lock;
  GArray *posted_us;            /* (gint64) monotonic time of each result */
  GPtrArray *results;           /* (W2veeGstTranscript) */
} Collector;

static GstBusSyncReply
collect (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Collector *c = user_data;
  gint64 now = g_get_monotonic_time ();
  W2veeGstTranscript *t = NULL;

  if (w2vee_gst_message_parse_transcript (msg, &t, NULL)) {
    g_mutex_lock (&c->lock);
    g_array_append_val (c->posted_us, now);
    g_ptr_array_add (c->results, t);
    g_mutex_unlock (&c->lock);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("error: %s\n", error->message);
    exit (1);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    g_autoptr (GError) error = NULL;

    gst_message_parse_warning (msg, &error, NULL);
    g_printerr ("warning: %s\n", error->message);
  }
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
      + ru.ru_stime.tv_usec / 1e6;
}

/* Pushes @signal through a new element; @realtime: paced and live. Returns
 * the push time (monotonic us) of each buffer in @pushed_us. */
static void
run (const gchar * model, guint threads, guint exit, const SpeechSignal * signal,
    gboolean realtime, Collector * c, GArray * pushed_us)
{
  GstElement *element = gst_element_factory_make ("wav2vec2ee", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gint64 t0;
  gsize i;

  g_assert (element != NULL);
  g_object_set (element, "model", model, "threads", threads, "exit", exit, NULL);
  gst_bus_set_sync_handler (bus, collect, c, NULL);
  gst_element_set_bus (element, bus);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_harness_set_live (h, realtime);
  gst_harness_set_src_caps_str (h, CAPS);

  t0 = g_get_monotonic_time ();
  for (i = 0; i < signal->samples->len; i += BUFFER_SAMPLES) {
    gsize n = MIN (BUFFER_SAMPLES, signal->samples->len - i);
    GstBuffer *buffer = gst_buffer_new_memdup (&g_array_index (signal->samples,
            float, i), n * sizeof (float));
    gint64 now;

    GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (i, GST_SECOND,
        SPEECH_RATE);
    GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (n, GST_SECOND,
        SPEECH_RATE);
    if (realtime) {
      gint64 due = t0 + gst_util_uint64_scale (i + n, G_USEC_PER_SEC,
          SPEECH_RATE);

      now = g_get_monotonic_time ();
      if (due > now)
        g_usleep (due - now);
    }
    gst_harness_push (h, buffer);
    now = g_get_monotonic_time ();
    g_array_append_val (pushed_us, now);
    gst_buffer_unref (gst_harness_pull (h));
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  gst_object_unref (element);
}

static void
collector_reset (Collector * c)
{
  g_array_set_size (c->posted_us, 0);
  g_ptr_array_set_size (c->results, 0);
}

int
main (int argc, char **argv)
{
  const gchar *sentences[] = {
    "Open the window and let the sunshine in.",
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things.",
    "Speech recognition runs on a small computer.",
    "Six thick thistle sticks.",
    "We will meet at the station at seven in the evening.",
  };
  gchar *model = NULL;
  gint threads = 1;
  gboolean no_latency = FALSE;
  const GOptionEntry options[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model directory "
          "(default $W2VEE_MODEL)", "DIR"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &threads, "Inference threads "
          "(default 1)", "N"},
    {"no-latency", 0, 0, G_OPTION_ARG_NONE, &no_latency, "Skip the real-time "
          "latency runs", NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (SpeechSignal) signal = NULL;
  g_autoptr (GArray) pushed = g_array_new (FALSE, FALSE, sizeof (gint64));
  Collector c;
  GstElement *probe;
  guint n_exits, exits[2];
  double audio_s;

  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  gst_init (NULL, NULL);
  if (model == NULL)
    model = g_strdup (g_getenv ("W2VEE_MODEL"));
  if (model == NULL || model[0] == '\0') {
    g_printerr ("no model: pass --model DIR or set W2VEE_MODEL\n");
    return 2;
  }

  signal = speech_signal_new ();
  for (guint i = 0; i < G_N_ELEMENTS (sentences); i++) {
    speech_signal_add_silence (signal, 1.0);
    speech_signal_add_speech (signal, sentences[i]);
  }
  speech_signal_add_silence (signal, 1.0);
  audio_s = speech_seconds (signal->samples->len);

  probe = gst_element_factory_make ("wav2vec2ee", NULL);
  g_object_set (probe, "model", model, NULL);
  if (gst_element_set_state (probe, GST_STATE_READY) != GST_STATE_CHANGE_SUCCESS) {
    g_printerr ("cannot load %s\n", model);
    return 1;
  }
  g_object_get (probe, "n-exits", &n_exits, NULL);
  gst_element_set_state (probe, GST_STATE_NULL);
  gst_object_unref (probe);

  g_mutex_init (&c.lock);
  c.posted_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  c.results = g_ptr_array_new_with_free_func ((GDestroyNotify)
      w2vee_gst_transcript_free);

  printf ("model %s, %u exits, %d inference thread(s), %u CPUs online\n",
      model, n_exits, threads, g_get_num_processors ());
  printf ("speech: %.1f s (%zu sentences, 1 s of silence around each)\n\n",
      audio_s, G_N_ELEMENTS (sentences));
  printf ("exit layer  segments  CPU s per audio s  wall s per audio s\n");
  for (guint e = 1; e <= n_exits; e++) {
    double cpu0 = cpu_seconds ();
    gint64 wall0 = g_get_monotonic_time ();
    guint layer = 0;

    collector_reset (&c);
    g_array_set_size (pushed, 0);
    run (model, threads, e, signal, FALSE, &c, pushed);
    if (c.results->len > 0)
      layer = ((W2veeGstTranscript *) g_ptr_array_index (c.results, 0))->layer;
    printf ("%4u %5u  %8u  %17.3f  %18.3f\n", e, layer, c.results->len,
        (cpu_seconds () - cpu0) / audio_s,
        (g_get_monotonic_time () - wall0) / 1e6 / audio_s);
    fflush (stdout);
  }

  if (no_latency)
    return 0;
  exits[0] = 1;
  exits[1] = n_exits;
  printf ("\nreal-time input (live), per segment:\n"
      "exit  end->message ms (mean / max)  closed->message ms (mean / max)\n");
  for (guint k = 0; k < (n_exits > 1 ? 2 : 1); k++) {
    double sum_end = 0, max_end = 0, sum_closed = 0, max_closed = 0;

    collector_reset (&c);
    g_array_set_size (pushed, 0);
    run (model, threads, exits[k], signal, TRUE, &c, pushed);
    for (guint i = 0; i < c.results->len; i++) {
      const W2veeGstTranscript *t = g_ptr_array_index (c.results, i);
      GstClockTime end = t->timestamp + t->duration;
      /* index of the buffer holding the last sample, and the closing one */
      gsize b_end = gst_util_uint64_scale (end - 1, SPEECH_RATE, GST_SECOND)
          / BUFFER_SAMPLES;
      gsize b_closed = gst_util_uint64_scale (end + 500 * GST_MSECOND -
          KEPT_TAIL - 1, SPEECH_RATE, GST_SECOND) / BUFFER_SAMPLES;
      gint64 posted = g_array_index (c.posted_us, gint64, i);
      double d_end, d_closed;

      b_end = MIN (b_end, pushed->len - 1);
      b_closed = MIN (b_closed, pushed->len - 1);
      d_end = (posted - g_array_index (pushed, gint64, b_end)) / 1e3;
      d_closed = (posted - g_array_index (pushed, gint64, b_closed)) / 1e3;
      sum_end += d_end;
      max_end = MAX (max_end, d_end);
      sum_closed += d_closed;
      max_closed = MAX (max_closed, d_closed);
    }
    if (c.results->len > 0)
      printf ("%4u  %13.0f / %-13.0f  %16.0f / %-13.0f (%u segments)\n",
          exits[k], sum_end / c.results->len, max_end,
          sum_closed / c.results->len, max_closed, c.results->len);
    fflush (stdout);
  }
  g_free (model);
  return 0;
}
