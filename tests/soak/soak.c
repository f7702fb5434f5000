/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* soak: the live element for a long run (docs/reliability.md "Soak").
 *
 *   soak [--duration S] [--speed X] [--interval S] [--model DIR] [--exit N]
 *        [--csv FILE] [--max-slope KIB_PER_MIN] [--no-leaks]
 *
 * Pushes speech (two espeak-ng sentences and a second of silence, looped) through
 * `appsrc is-live=true` into wav2vec2ee at X times real time (default 4) for S seconds
 * of wall time (default 3600), with text_src linked, under GStreamer's leaks tracer.
 * Every INTERVAL seconds (default 30) it prints one CSV line: wall and audio seconds,
 * the process's resident set (VmRSS, and its anonymous and file-mapped parts), glibc's
 * heap in use (mallinfo2: a leak or a growing container raises it, fragmentation raises
 * RSS alone), the bytes queued in appsrc (they grow when the element falls behind), and
 * the results and warnings counted so far. At the end: the RSS slope after the first
 * 10 % of the run (least squares, KiB per minute), and the objects the leaks tracer
 * still tracks after the pipeline is freed.
 *
 * The driver is C so that nothing in it allocates per buffer or per message beyond what
 * GStreamer does: a Python driver's own objects grew by ~19 KB/min, of the order of the
 * slope being measured. Messages are counted and dropped in a bus sync handler
 * (transcripts read with libgstw2vee's w2vee_gst_message_parse_transcript()).
 *
 * Exit status 0 when no object is alive at the end, no error or critical was posted,
 * every transcript message was valid and finals kept coming, and (with --max-slope)
 * the slope is at most the given KiB per minute; 1 otherwise; 2 for bad usage or a
 * failed setup. Needs espeak-ng and sox on PATH.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <w2vee/w2vee-gst.h>

#define RATE 16000
#define STEP_SAMPLES 3200       /* 200 ms buffers */

static const char SENTENCE[] =
    "Open the window and let the sunshine in, the quick brown fox jumps over the "
    "lazy dog, and speech recognition runs on a small computer.";

typedef struct {
  gint final;                   /* final transcripts (atomic) */
  gint partial;                 /* partial transcripts (atomic) */
  gint invalid;                 /* "wav2vec2ee" messages that did not parse (atomic) */
  gint warnings;                /* WARNING messages: dropped segments (atomic) */
  gint errors;                  /* ERROR messages (atomic) */
  gint criticals;               /* g_critical / g_warning logged (atomic) */
} Counts;

static Counts counts;

/* Counts GLib criticals and warnings (GStreamer's included), then logs as usual. */
static GLogWriterOutput
count_writer (GLogLevelFlags level, const GLogField * fields, gsize n_fields,
    gpointer user_data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR))
    g_atomic_int_inc (&counts.criticals);
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* Runs on the posting thread: counts, then drops everything but EOS and ERROR (which
 * the main thread waits for), so nothing piles up on the bus. A sync handler that
 * returns GST_BUS_DROP owns the message and must unref it. */
static GstBusSyncReply
on_sync (GstBus * bus, GstMessage * message, gpointer user_data)
{
  g_autoptr (W2veeGstTranscript) t = NULL;
  g_autoptr (GError) error = NULL;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ELEMENT:
      if (w2vee_gst_message_parse_transcript (message, &t, &error))
        g_atomic_int_inc (t->final ? &counts.final : &counts.partial);
      else if (!g_error_matches (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_NOT_TRANSCRIPT)) {
        g_printerr ("soak: invalid transcript message: %s\n", error->message);
        g_atomic_int_inc (&counts.invalid);
      }
      break;
    case GST_MESSAGE_WARNING:
      g_atomic_int_inc (&counts.warnings);
      break;
    case GST_MESSAGE_ERROR:
      g_atomic_int_inc (&counts.errors);
      return GST_BUS_PASS;
    case GST_MESSAGE_EOS:
      return GST_BUS_PASS;
    default:
      break;
  }
  gst_message_unref (message);
  return GST_BUS_DROP;
}

/* The process's resident set from one read of /proc/self/status, in KiB (-1 where a
 * line is absent): VmRSS and its anonymous and file-backed parts. */
typedef struct {
  long rss, anon, file;
} Resident;

static Resident
read_resident (void)
{
  static const char *const keys[] = { "VmRSS:", "RssAnon:", "RssFile:" };
  Resident r = { -1, -1, -1 };
  long *values[] = { &r.rss, &r.anon, &r.file };
  char line[256];
  FILE *f = fopen ("/proc/self/status", "r");
  guint k;

  if (!f)
    return r;
  while (fgets (line, sizeof line, f))
    for (k = 0; k < G_N_ELEMENTS (keys); k++)
      if (g_str_has_prefix (line, keys[k]))
        *values[k] = strtol (line + strlen (keys[k]), NULL, 10);
  fclose (f);
  return r;
}

/* Runs argv (a NULL-terminated list); FALSE with a message on failure. */
static gboolean
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  gint status = 0;

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error)) {
    g_printerr ("soak: %s: %s\n", argv[0], error->message);
    return FALSE;
  }
  return TRUE;
}

/* Two sentences and a second of silence, 16 kHz mono S16LE; NULL on failure. */
static GBytes *
make_speech (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *tmp = g_dir_make_tmp ("w2vee-soak-XXXXXX", &error);
  g_autofree gchar *wav = NULL, *raw = NULL, *text = NULL, *data = NULL;
  gsize len = 0;
  GBytes *pcm = NULL;

  if (!tmp) {
    g_printerr ("soak: %s\n", error->message);
    return NULL;
  }
  wav = g_build_filename (tmp, "talk.wav", NULL);
  raw = g_build_filename (tmp, "talk.raw", NULL);
  text = g_strdup_printf ("%s %s", SENTENCE, SENTENCE);
  {
    const char *espeak[] = { "espeak-ng", "-v", "en-us", "-w", wav, text, NULL };
    const char *sox[] = { "sox", wav, "-r", "16000", "-c", "1", "-b", "16", "-e",
      "signed", "-t", "raw", raw, NULL
    };
    if (run (espeak) && run (sox)) {
      if (g_file_get_contents (raw, &data, &len, &error)) {
        data = g_realloc (data, len + 2 * RATE);
        memset (data + len, 0, 2 * RATE);
        pcm = g_bytes_new_take (g_steal_pointer (&data), len + 2 * RATE);
      } else {
        g_printerr ("soak: %s\n", error->message);
      }
    }
  }
  g_unlink (raw);
  g_unlink (wav);
  g_rmdir (tmp);
  return pcm;
}

typedef struct {
  double t;                     /* wall seconds */
  double rss;                   /* KiB */
} Sample;

/* Least-squares slope of RSS over wall time for the samples after the first 10 % of
 * the run, in KiB per minute; NAN with fewer than 3 such samples. */
static double
slope_kib_per_min (const GArray * samples)
{
  const Sample *s = (const Sample *) samples->data;
  double start, mt = 0, mr = 0, num = 0, var = 0;
  guint i, n = 0;

  if (samples->len < 3)
    return NAN;
  start = 0.1 * s[samples->len - 1].t;
  for (i = 0; i < samples->len; i++)
    if (s[i].t >= start) {
      mt += s[i].t;
      mr += s[i].rss;
      n++;
    }
  if (n < 3)
    return NAN;
  mt /= n;
  mr /= n;
  for (i = 0; i < samples->len; i++)
    if (s[i].t >= start) {
      num += (s[i].t - mt) * (s[i].rss - mr);
      var += (s[i].t - mt) * (s[i].t - mt);
    }
  return var > 0 ? num / var * 60 : NAN;
}

/* The active leaks tracer, or NULL (transfer full). */
static GstTracer *
find_leaks_tracer (void)
{
  GList *tracers = gst_tracing_get_active_tracers (), *l;
  GstTracer *found = NULL;

  for (l = tracers; l; l = l->next)
    if (!found && g_str_equal (G_OBJECT_TYPE_NAME (l->data), "GstLeaksTracer"))
      found = gst_object_ref (l->data);
  g_list_free_full (tracers, gst_object_unref);
  return found;
}

/* Prints the objects the leaks tracer still tracks; returns their number. */
static guint
report_live_objects (GstTracer * tracer)
{
  GstStructure *info = NULL;
  const GValue *list;
  guint i, n;

  g_signal_emit_by_name (tracer, "get-live-objects", &info);
  if (!info || !(list = gst_structure_get_value (info, "live-objects-list"))) {
    g_printerr ("soak: the leaks tracer gave no list\n");
    if (info)
      gst_structure_free (info);
    return G_MAXUINT;
  }
  n = gst_value_list_get_size (list);
  for (i = 0; i < n && i < 20; i++) {
    const GstStructure *o = gst_value_get_structure (gst_value_list_get_value (list, i));
    const GValue *obj = gst_structure_get_value (o, "object");
    guint refs = 0;

    gst_structure_get_uint (o, "ref-count", &refs);
    g_print ("  alive: %s (ref-count %u)\n", obj ? G_VALUE_TYPE_NAME (obj) : "?", refs);
  }
  gst_structure_free (info);
  return n;
}

int
main (int argc, char **argv)
{
  double duration = 3600, speed = 4, interval = 30, max_slope = -1;
  gint exit_index = 0;
  gboolean no_leaks = FALSE;
  g_autofree gchar *model = NULL, *csv = NULL;
  GOptionEntry entries[] = {
    {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "wall seconds (3600)", "S"},
    {"speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, "times real time (4)", "X"},
    {"interval", 0, 0, G_OPTION_ARG_DOUBLE, &interval, "seconds between samples (30)",
        "S"},
    {"model", 0, 0, G_OPTION_ARG_FILENAME, &model, "model directory ($W2VEE_MODEL)",
        "DIR"},
    {"exit", 0, 0, G_OPTION_ARG_INT, &exit_index, "the element's exit (its default)",
        "N"},
    {"csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "also write the samples here", "FILE"},
    {"max-slope", 0, 0, G_OPTION_ARG_DOUBLE, &max_slope,
        "fail above this RSS slope after the first 10 % (KiB/min)", "K"},
    {"no-leaks", 0, 0, G_OPTION_ARG_NONE, &no_leaks, "without the leaks tracer", NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- soak the live element");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) pcm = NULL;
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  g_autofree gchar *desc = NULL;
  GstElement *pipeline, *src, *asr;
  GstBus *bus;
  GstMessage *msg;
  GstTracer *tracer = NULL;
  FILE *out = NULL;
  const guint8 *data;
  gsize len;
  guint64 pushed = 0;           /* samples */
  gint64 t0, next_sample;
  double slope;
  guint alive = 0;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || duration <= 0 ||
      speed <= 0 || interval <= 0) {
    g_printerr ("soak: %s\n", error ? error->message :
        "--duration, --speed and --interval must be positive");
    return 2;
  }
  /* the tracer is chosen at gst_init() */
  if (!no_leaks)
    g_setenv ("GST_TRACERS", "leaks", TRUE);
  g_log_set_writer_func (count_writer, NULL, NULL);
  gst_init (NULL, NULL);
  if (!model)
    model = g_strdup (g_getenv ("W2VEE_MODEL"));
  if (!(pcm = make_speech ()))
    return 2;
  data = g_bytes_get_data (pcm, &len);

  desc = g_strdup_printf ("appsrc name=src is-live=true format=time "
      "do-timestamp=false max-bytes=0 caps=audio/x-raw,format=S16LE,rate=16000,"
      "channels=1,layout=interleaved ! audioconvert ! wav2vec2ee name=asr ! "
      "fakesink sync=false asr.text_src ! fakesink sync=false");
  pipeline = gst_parse_launch (desc, &error);
  if (!pipeline || error) {
    g_printerr ("soak: %s\n", error ? error->message : "no pipeline");
    if (pipeline)
      gst_object_unref (pipeline);
    return 2;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  asr = gst_bin_get_by_name (GST_BIN (pipeline), "asr");
  if (model && *model)
    g_object_set (asr, "model", model, NULL);
  if (exit_index > 0)
    g_object_set (asr, "exit", (guint) exit_index, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, on_sync, NULL, NULL);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    g_printerr ("soak: the pipeline did not start\n");

  if (csv && !(out = fopen (csv, "w")))
    g_printerr ("soak: cannot write %s\n", csv);
  const char *header = "wall_s,audio_s,rss_kib,rss_anon_kib,rss_file_kib,heap_kib,"
      "appsrc_kib,final,partial,warnings";
  g_print ("%s\n", header);
  if (out)
    fprintf (out, "%s\n", header);
  t0 = g_get_monotonic_time ();
  next_sample = t0;
  while (TRUE) {
    gint64 now = g_get_monotonic_time (), wake;
    gsize off, n;
    GstBuffer *buf;

    if (now >= next_sample) {
      struct mallinfo2 m = mallinfo2 ();
      guint64 level = gst_app_src_get_current_level_bytes (GST_APP_SRC (src));
      Resident res = read_resident ();
      Sample s = { (now - t0) / 1e6, res.rss };
      char line[256];

      g_snprintf (line, sizeof line, "%.0f,%.0f,%.0f,%ld,%ld,%zu,%" G_GUINT64_FORMAT
          ",%d,%d,%d", s.t, (double) pushed / RATE, s.rss, res.anon, res.file,
          (m.uordblks + m.hblkhd) / 1024, level / 1024,
          g_atomic_int_get (&counts.final), g_atomic_int_get (&counts.partial),
          g_atomic_int_get (&counts.warnings));
      g_print ("%s\n", line);
      if (out) {
        fprintf (out, "%s\n", line);
        fflush (out);
      }
      g_array_append_val (samples, s);
      next_sample += (gint64) (interval * 1e6);
    }
    if (now - t0 >= duration * 1e6 || g_atomic_int_get (&counts.errors))
      break;
    /* the next 200 ms of the loop (shorter at its end), wrapped without a copy: pcm
     * outlives the pipeline */
    off = (pushed * 2) % len;
    n = MIN (STEP_SAMPLES * 2, len - off);
    buf = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, (gpointer) (data + off),
        n, 0, n, NULL, NULL);
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (pushed, GST_SECOND, RATE);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (n / 2, GST_SECOND, RATE);
    pushed += n / 2;
    if (gst_app_src_push_buffer (GST_APP_SRC (src), buf) != GST_FLOW_OK)
      break;
    /* X times real time: this buffer "lasts" its duration / X of wall time */
    wake = t0 + (gint64) ((double) pushed / RATE / speed * 1e6);
    now = g_get_monotonic_time ();
    if (wake > now)
      g_usleep (wake - now);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS |
      GST_MESSAGE_ERROR);
  if (!msg)
    g_printerr ("soak: no EOS within 60 s\n");
  else
    gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (asr);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  /* a pad task's thread drops its last reference to the task just after the join:
   * wait for those threads, or the tracer could list (and race with) a dying task */
  gst_task_cleanup_all ();
  if (out)
    fclose (out);

  slope = slope_kib_per_min (samples);
  if (samples->len) {
    const Sample *s = (const Sample *) samples->data;
    double max = 0;
    guint i;

    for (i = 0; i < samples->len; i++)
      max = MAX (max, s[i].rss);
    g_print ("RSS: first %.0f KiB, last %.0f KiB, max %.0f KiB over %.0f s; slope after "
        "the first 10 %%: %+.2f KiB/min\n", s[0].rss, s[samples->len - 1].rss, max,
        s[samples->len - 1].t, slope);
  }
  g_print ("SUMMARY audio_s=%.0f final=%d partial=%d invalid=%d warnings=%d errors=%d "
      "criticals=%d\n", (double) pushed / RATE, counts.final, counts.partial,
      counts.invalid, counts.warnings, counts.errors, counts.criticals);
  if (!no_leaks) {
    if ((tracer = find_leaks_tracer ())) {
      alive = report_live_objects (tracer);
      gst_object_unref (tracer);
      g_print ("leaks tracer: %u objects alive after the pipeline was freed\n", alive);
    } else {
      g_printerr ("soak: no leaks tracer (is GStreamer's coretracers plugin there?)\n");
      alive = G_MAXUINT;
    }
  }
  ok = alive == 0 && counts.errors == 0 && counts.criticals == 0 && counts.invalid == 0
      && counts.final > 0 && (max_slope < 0 || (!isnan (slope) && slope <= max_slope));
  g_print ("soak: %s\n", ok ? "PASS" : "FAIL");
  gst_deinit ();
  return ok ? 0 : 1;
}
