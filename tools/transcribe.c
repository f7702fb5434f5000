/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee transcribe: speech in audio files to text (docs/cli.md).
 *
 * A file streams through the decoder into the silence segmenter (the engine's default
 * parameters, or those of --silence-threshold, --min-silence, --chunk-duration and
 * --noise-margin); each segment runs through the encoder once, up to the deepest exit
 * reported, and is decoded at every exit reported: by CTC greedy, or by beam search with
 * --lm / --lexicon. Memory is bounded by the longest segment (--chunk-duration, 10 s by
 * default) whatever the file's length. --dump-logits instead runs the whole file in one
 * pass, so that its logits are those of the reference implementation. With
 * --exit-policy confidence or deadline (policy.h) each segment picks its own exit, no
 * deeper than -e N.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audio.h"
#include "common.h"
#include "decoding.h"
#include "output.h"
#include "policy.h"
#include "shard.h"
#include "w2vee/w2vee.h"

#define COMMAND "transcribe"
#define READ_SAMPLES W2VEE_SAMPLE_RATE  /* decoded audio read at a time: 1 s */
#define MAX_SEGMENTS_PER_PUSH 8

typedef struct {
  /* options */
  char *model_arg;          /* -m, or NULL */
  char *exit_arg;           /* -e, or NULL */
  char *format_arg;         /* -o, or NULL */
  char *dump_path;          /* --dump-logits, or NULL */
  char *threshold_arg;      /* --silence-threshold, or NULL */
  char *min_silence_arg;    /* --min-silence, or NULL */
  char *chunk_arg;          /* --chunk-duration, or NULL */
  char *margin_arg;         /* --noise-margin, or NULL */
  gint threads;             /* -t; -1 when not given */
  gboolean verbose;         /* -v */
  W2veeToolPolicy policy;   /* --exit-policy, --exit-threshold, --exit-score */
  char **files;             /* FILE..., or the manifest's; then only the shard's */
  char *manifest_arg;       /* --manifest, or NULL */
  char *shard_arg;          /* --shard K/N, or NULL */
  guint n_listed;           /* files listed (arguments or manifest), before --shard */
  W2veeToolDecodeOptions dec; /* --lm, --lexicon, --beam-size, ... */

  /* resolved */
  W2veeOutputFormat format;
  W2veeSegmenterParams segmenter;  /* the defaults, changed by the options above */
  gboolean all_exits;       /* -e all */
  guint exit;               /* -e N, or 0 for the deepest (before the model is loaded) */
  W2veeModel *model;
  W2veeDecoder *decoder;    /* beam search (--lm, --lexicon), or NULL for greedy */
  W2veeSession *session;    /* sized for session_max samples; NULL until needed */
  gsize session_max;
  guint n_report;           /* exits reported: all of them, or one */
  guint *report_exits;      /* (n_report) 1-based */
  guint *report_layers;     /* (n_report) */
  double infer_ms;          /* encoder + decoding time of the current file */
  guint64 policy_layers;    /* layers the current file's segments computed */
  guint policy_runs;        /* segments of the current file */
} Transcribe;

static void
transcribe_clear (Transcribe *self)
{
  g_clear_pointer (&self->session, w2vee_session_free);
  g_clear_pointer (&self->decoder, w2vee_decoder_free);
  g_clear_pointer (&self->model, w2vee_model_unref);
  w2vee_tool_decode_options_clear (&self->dec);
  g_free (self->report_exits);
  g_free (self->manifest_arg);
  g_free (self->shard_arg);
  g_free (self->report_layers);
  g_free (self->model_arg);
  g_free (self->exit_arg);
  g_free (self->format_arg);
  g_free (self->dump_path);
  g_free (self->threshold_arg);
  g_free (self->min_silence_arg);
  g_free (self->chunk_arg);
  g_free (self->margin_arg);
  g_strfreev (self->files);
  w2vee_tool_policy_clear (&self->policy);
}

/* Runs @samples (one segment, starting at @start in the file) through the encoder
 * once and decodes every reported exit into @result. */
static gboolean
run_segment (Transcribe *self, W2veeFileResult *result, const float *samples, gsize n,
    guint64 start, GError **error)
{
  double t0;
  guint i;

  /* reallocated only when a longer segment comes */
  if (!w2vee_tool_ensure_session (self->model, self->threads, n, &self->session,
          &self->session_max, error))
    return FALSE;
  t0 = w2vee_tool_now_ms ();
  if (self->policy.kind != W2VEE_TOOL_POLICY_FIXED) {
    /* one exit reported, chosen by the policy */
    gsize n_frames;
    guint exit;
    const float *logits;  /* (T, V) */
    W2veeTranscript *tr;

    if (!w2vee_tool_policy_run (&self->policy, self->session, samples, n,
            self->report_exits[0], &exit, error))
      return FALSE;
    logits = w2vee_session_logits (self->session, exit, &n_frames);
    tr = w2vee_tool_decode (self->decoder, self->model, logits, n_frames, error);
    if (tr == NULL)
      return FALSE;
    w2vee_file_result_add (result, 0, start, n, tr);
    self->policy_layers += w2vee_session_last_layer (self->session);
    self->policy_runs++;
    self->infer_ms += w2vee_tool_now_ms () - t0;
    return TRUE;
  }
  if (!w2vee_session_run (self->session, samples, n,
          self->report_exits[self->n_report - 1], error))
    return FALSE;
  for (i = 0; i < self->n_report; i++) {
    gsize n_frames;
    const float *logits = w2vee_session_logits (self->session, self->report_exits[i],
        &n_frames);  /* (T, V) */
    W2veeTranscript *tr = w2vee_tool_decode (self->decoder, self->model, logits, n_frames,
        error);

    if (tr == NULL)
      return FALSE;
    w2vee_file_result_add (result, i, start, n, tr);
  }
  self->infer_ms += w2vee_tool_now_ms () - t0;
  return TRUE;
}

/* The file in segments, streaming: only the audio from the segmenter's keep_from on
 * is held. */
static gboolean
transcribe_segmented (Transcribe *self, const char *path, W2veeFileResult *result,
    GError **error)
{
  g_autoptr (W2veeAudioReader) reader = NULL;
  g_autoptr (W2veeSegmenter) segmenter = NULL;
  g_autoptr (GArray) audio = NULL;  /* (float) samples from audio_start on */
  g_autofree float *chunk = NULL;   /* (READ_SAMPLES) */
  W2veeSegment segs[MAX_SEGMENTS_PER_PUSH];
  guint64 audio_start = 0, total = 0;
  W2veeSegment last;
  gssize n;

  reader = w2vee_audio_reader_open (path, error);
  if (reader == NULL)
    return FALSE;
  segmenter = w2vee_segmenter_new (&self->segmenter);
  audio = g_array_new (FALSE, FALSE, sizeof (float));
  chunk = g_new (float, READ_SAMPLES);

  while ((n = w2vee_audio_reader_read (reader, chunk, READ_SAMPLES, error)) > 0) {
    gsize got, i;
    guint64 keep;

    g_array_append_vals (audio, chunk, n);
    total += n;
    got = w2vee_segmenter_push (segmenter, chunk, n, segs, G_N_ELEMENTS (segs));
    for (;;) {
      for (i = 0; i < got; i++) {
        const float *x = &g_array_index (audio, float, segs[i].start - audio_start);
        if (!run_segment (self, result, x, segs[i].length, segs[i].start, error))
          return FALSE;
      }
      if (got < G_N_ELEMENTS (segs))
        break;
      got = w2vee_segmenter_push (segmenter, NULL, 0, segs, G_N_ELEMENTS (segs));
    }
    /* keep_from never decreases; the segments above are done with */
    keep = w2vee_segmenter_keep_from (segmenter);
    if (keep > audio_start) {
      g_array_remove_range (audio, 0, (guint) (keep - audio_start));
      audio_start = keep;
    }
  }
  if (n < 0)
    return FALSE;

  while (w2vee_segmenter_flush (segmenter, &last)) {
    const float *x = &g_array_index (audio, float, last.start - audio_start);
    if (!run_segment (self, result, x, last.length, last.start, error))
      return FALSE;
  }
  result->n_samples = total;
  return TRUE;
}

static gboolean
write_logits (const char *path, const float *logits, gsize n_values, GError **error)
{
  g_autofree char *name = g_filename_display_name (path);
  FILE *f = fopen (path, "wb");
  gboolean ok;

  if (f == NULL) {
    int errsv = errno;
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot write %s: %s", name,
        g_strerror (errsv));
    return FALSE;
  }
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  ok = fwrite (logits, sizeof (float), n_values, f) == n_values;
#else
  {
    gsize i;
    ok = TRUE;
    for (i = 0; i < n_values && ok; i++) {
      guint32 u;
      memcpy (&u, &logits[i], sizeof u);
      u = GUINT32_TO_LE (u);
      ok = fwrite (&u, sizeof u, 1, f) == 1;
    }
  }
#endif
  ok = (fclose (f) == 0) && ok;
  if (!ok) {
    int errsv = errno;
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot write %s: %s", name,
        g_strerror (errsv));
  }
  return ok;
}

/* --dump-logits: the whole file in one pass. */
static gboolean
transcribe_whole (Transcribe *self, const char *path, W2veeFileResult *result,
    GError **error)
{
  g_autofree float *samples = NULL;
  const float *logits;
  gsize n = 0, n_frames = 0;

  samples = w2vee_tool_decode_one_pass (path, "--dump-logits", &n, error);
  if (samples == NULL)
    return FALSE;
  result->n_samples = n;

  if (n > 0) {
    if (!run_segment (self, result, samples, n, 0, error))
      return FALSE;
    logits = w2vee_session_logits (self->session, self->report_exits[0], &n_frames);
  } else {
    logits = samples; /* nothing to write */
  }
  return write_logits (self->dump_path, logits,
      n_frames * w2vee_model_vocab_size (self->model), error);
}

/* Prints the transcript of one file; FALSE after an error (already printed). */
static gboolean
transcribe_file (Transcribe *self, const char *path, gboolean with_name)
{
  g_autoptr (W2veeFileResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean ok;

  result = w2vee_file_result_new (path, self->n_report, self->report_exits,
      self->report_layers);
  self->infer_ms = 0.0;
  self->policy_layers = 0;
  self->policy_runs = 0;
  if (self->dump_path != NULL)
    ok = transcribe_whole (self, path, result, &error);
  else
    ok = transcribe_segmented (self, path, result, &error);
  if (!ok) {
    fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    return FALSE;
  }

  w2vee_output_format (out, result, self->format, with_name, self->all_exits);
  fputs (out->str, stdout);
  fflush (stdout);

  if (self->verbose) {
    double audio_s = (double) result->n_samples / W2VEE_SAMPLE_RATE;
    fprintf (stderr, "w2vee " COMMAND ": %s: %.2f s of audio, %u segment(s), "
        "inference %.1f ms, RTF %.4f\n", result->name, audio_s,
        result->exits[0].segments->len, self->infer_ms,
        audio_s > 0 ? self->infer_ms / 1000.0 / audio_s : 0.0);
    if (self->policy.kind != W2VEE_TOOL_POLICY_FIXED && self->policy_runs > 0)
      fprintf (stderr, "w2vee " COMMAND ": %s: policy=%s threshold=%g mean_layer=%.2f "
          "(of %u)\n", result->name, w2vee_tool_policy_name (self->policy.kind),
          self->policy.threshold, (double) self->policy_layers / self->policy_runs,
          self->report_layers[0]);
  }
  return TRUE;
}

/* Segmentation options: name, range and unit, where the value goes. */
typedef struct {
  const char *name;   /* without the leading "--" */
  double min, max;    /* accepted range, inclusive */
  const char *unit;   /* "dBFS", "dB" or "seconds" */
} RangeOption;

static const RangeOption threshold_option = { "silence-threshold", -120.0, 0.0, "dBFS" };
static const RangeOption min_silence_option = { "min-silence", 0.01, 10.0, "seconds" };
static const RangeOption chunk_option = { "chunk-duration", 1.0, 30.0, "seconds" };
static const RangeOption margin_option = { "noise-margin", 0.0, 60.0, "dB" };

/* Parses @arg (NULL: not given, *@value kept) as a number within @option's range;
 * returns an exit status or -1 to go on. */
static int
parse_range_option (const RangeOption *option, const char *arg, double *value)
{
  char *end = NULL;
  double v;

  if (arg == NULL)
    return -1;
  v = g_ascii_strtod (arg, &end);
  if (end == arg || *end != '\0' || !isfinite (v) || v < option->min || v > option->max)
    return w2vee_tool_usage_error (COMMAND, "--%s takes a number of %s from %g to %g, "
        "not '%s'", option->name, option->unit, option->min, option->max, arg);
  *value = v;
  return -1;
}

/* The segmentation options into self->segmenter; returns an exit status or -1. */
static int
check_segmenter_options (Transcribe *self)
{
  W2veeSegmenterParams *p = &self->segmenter;
  double min_silence = (double) p->min_silence_samples / W2VEE_SAMPLE_RATE;
  double chunk = (double) p->max_segment_samples / W2VEE_SAMPLE_RATE;
  int status;

  if ((status = parse_range_option (&threshold_option, self->threshold_arg,
              &p->silence_threshold_db)) >= 0
      || (status = parse_range_option (&min_silence_option, self->min_silence_arg,
              &min_silence)) >= 0
      || (status = parse_range_option (&chunk_option, self->chunk_arg, &chunk)) >= 0
      || (status = parse_range_option (&margin_option, self->margin_arg,
              &p->noise_margin_db)) >= 0)
    return status;
  p->min_silence_samples = (gsize) llround (min_silence * W2VEE_SAMPLE_RATE);
  p->max_segment_samples = (gsize) llround (chunk * W2VEE_SAMPLE_RATE);

  if (self->dump_path != NULL && (self->threshold_arg != NULL
          || self->min_silence_arg != NULL || self->chunk_arg != NULL
          || self->margin_arg != NULL))
    return w2vee_tool_usage_error (COMMAND, "--dump-logits runs the file in one pass: "
        "--silence-threshold, --min-silence, --chunk-duration and --noise-margin do not "
        "apply");
  return -1;
}

/* The audio paths of --manifest: the first column of each line ("path" or
 * "path<TAB>anything", as `w2vee eval` reads), blank lines skipped. NULL after printing
 * the error. */
static char **
read_manifest (const char *manifest)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (manifest, &contents, NULL, &error)) {
    fprintf (stderr, "w2vee " COMMAND ": cannot read the manifest: %s\n", error->message);
    return NULL;
  }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    char *line = lines[i], *tab = strchr (line, '\t');
    gsize len = strlen (line);

    if (len > 0 && line[len - 1] == '\r')
      line[--len] = '\0';
    if (len == 0)
      continue;
    if (tab != NULL)
      *tab = '\0';
    if (line[0] == '\0') {
      fprintf (stderr, "w2vee " COMMAND ": %s:%u: empty audio path\n", manifest, i + 1);
      return NULL;
    }
    g_ptr_array_add (files, g_strdup (line));
  }
  g_ptr_array_add (files, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&files), FALSE);
}

/* --manifest and --shard: the files this run transcribes; returns an exit status or
 * -1 to go on. */
static int
resolve_files (Transcribe *self)
{
  g_autoptr (GError) error = NULL;
  guint k, n, i, kept = 0;

  if (self->manifest_arg != NULL) {
    if (self->files != NULL)
      return w2vee_tool_usage_error (COMMAND, "give FILE... or --manifest, not both");
    self->files = read_manifest (self->manifest_arg);
    if (self->files == NULL)
      return W2VEE_EXIT_RUNTIME;
  }
  self->n_listed = self->files != NULL ? g_strv_length (self->files) : 0;
  if (self->n_listed == 0)
    return w2vee_tool_usage_error (COMMAND, self->manifest_arg != NULL
        ? "the manifest lists no file" : "no FILE given");
  if (self->shard_arg == NULL)
    return -1;
  if (!w2vee_shard_parse (self->shard_arg, &k, &n, &error))
    return w2vee_tool_usage_error (COMMAND, "%s", error->message);
  /* file i (0-based, in the order listed) is shard (i mod N) + 1's */
  for (i = 0; i < self->n_listed; i++) {
    if (i % n == k - 1)
      self->files[kept++] = self->files[i];
    else
      g_free (self->files[i]);
  }
  self->files[kept] = NULL;
  return -1;
}

/* Checks the options that need no model; returns an exit status or -1 to go on. */
static int
check_options (Transcribe *self)
{
  guint64 v;
  int status;
  guint n_files = self->n_listed;

  if (!w2vee_output_format_parse (self->format_arg != NULL ? self->format_arg : "text",
          &self->format))
    return w2vee_tool_usage_error (COMMAND,
        "unknown output format '%s' (choose text, json, srt or vtt)", self->format_arg);
  if (self->exit_arg == NULL || g_strcmp0 (self->exit_arg, "all") == 0)
    self->all_exits = self->exit_arg != NULL;
  else if (g_ascii_string_to_unsigned (self->exit_arg, 10, 1, G_MAXUINT, &v, NULL))
    self->exit = (guint) v;
  else
    return w2vee_tool_usage_error (COMMAND,
        "-e takes an exit number (1, 2, ...) or 'all', not '%s'", self->exit_arg);
  if (self->threads != -1 && self->threads < 1)
    return w2vee_tool_usage_error (COMMAND, "-t takes a number of threads >= 1");
  if ((status = check_segmenter_options (self)) >= 0)
    return status;
  if ((status = w2vee_tool_policy_parse (COMMAND, &self->policy)) >= 0)
    return status;
  if (self->policy.kind != W2VEE_TOOL_POLICY_FIXED) {
    if (self->all_exits)
      return w2vee_tool_usage_error (COMMAND, "--exit-policy %s picks one exit per "
          "segment: -e all does not apply (-e N sets the deepest allowed)",
          self->policy.policy_arg);
    if (self->dump_path != NULL)
      return w2vee_tool_usage_error (COMMAND, "--dump-logits writes the logits of one "
          "fixed exit: --exit-policy %s does not apply", self->policy.policy_arg);
  }

  if (self->format == W2VEE_OUTPUT_SRT || self->format == W2VEE_OUTPUT_VTT) {
    if (self->all_exits)
      return w2vee_tool_usage_error (COMMAND,
          "-o %s shows one exit: choose one with -e N", self->format_arg);
    if (n_files > 1)
      return w2vee_tool_usage_error (COMMAND,
          "-o %s writes one subtitle file: give one FILE", self->format_arg);
  }
  if (self->dump_path != NULL) {
    if (self->all_exits)
      return w2vee_tool_usage_error (COMMAND,
          "--dump-logits writes the logits of one exit: choose one with -e N");
    if (n_files > 1)
      return w2vee_tool_usage_error (COMMAND, "--dump-logits takes one FILE");
  }
  return -1;
}

/* Loads the model and decides which exits to report; returns an exit status or -1. */
static int
load_model (Transcribe *self)
{
  guint i, n_exits;

  self->model = w2vee_tool_load_model (COMMAND, self->model_arg, self->verbose);
  if (self->model == NULL)
    return W2VEE_EXIT_RUNTIME;

  n_exits = w2vee_model_n_exits (self->model);
  if (self->exit > n_exits)
    return w2vee_tool_usage_error (COMMAND, "exit %u does not exist: the model has "
        "exits 1..%u", self->exit, n_exits);
  self->n_report = self->all_exits ? n_exits : 1;
  self->report_exits = g_new (guint, self->n_report);
  self->report_layers = g_new (guint, self->n_report);
  for (i = 0; i < self->n_report; i++) {
    self->report_exits[i] = self->all_exits ? i + 1
        : (self->exit > 0 ? self->exit : n_exits);
    self->report_layers[i] = w2vee_model_exit_layer (self->model, self->report_exits[i]);
  }
  if (!w2vee_tool_decoder_new (COMMAND, self->model, &self->dec, self->verbose,
          &self->decoder))
    return W2VEE_EXIT_RUNTIME;
  return w2vee_tool_policy_resolve (COMMAND, &self->policy, self->model);
}

int
w2vee_cmd_transcribe (int argc, char **argv)
{
  Transcribe self = { .threads = -1, .segmenter = w2vee_segmenter_default_params () };
  const GOptionEntry entries[] = {
    W2VEE_TOOL_MODEL_ENTRY (&self.model_arg),
    { "exit", 'e', 0, G_OPTION_ARG_STRING, &self.exit_arg,
      "Exit to decode, 1 (shallowest) to n (deepest, the default), or 'all' for every "
      "exit from one forward pass", "N|all" },
    { "output", 'o', 0, G_OPTION_ARG_STRING, &self.format_arg,
      "Output format: text (default), json, srt or vtt", "FORMAT" },
    { "dump-logits", 0, 0, G_OPTION_ARG_FILENAME, &self.dump_path,
      "Also write the chosen exit's logits of the whole FILE, computed in one pass, as "
      "raw little-endian float32 [frames x vocab] (one FILE of at most "
      G_STRINGIFY (W2VEE_TOOL_MAX_PASS_SECONDS) " s)", "OUT" },
    { "silence-threshold", 0, 0, G_OPTION_ARG_STRING, &self.threshold_arg,
      "A 10 ms block whose RMS is below this is silence, -120 to 0 (default -40)", "DBFS" },
    { "min-silence", 0, 0, G_OPTION_ARG_STRING, &self.min_silence_arg,
      "Silence that ends a segment, 0.01 to 10 (default 0.5)", "SECONDS" },
    { "chunk-duration", 0, 0, G_OPTION_ARG_STRING, &self.chunk_arg,
      "The longest segment (longer speech is cut), 1 to 30 (default 10)", "SECONDS" },
    { "noise-margin", 0, 0, G_OPTION_ARG_STRING, &self.margin_arg,
      "Speech must be this far above the background noise level, 0 to 60; 0 turns the "
      "noise tracking off (default 8)", "DB" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &self.threads,
      "Worker threads (default: one per CPU)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &self.verbose,
      "Print the model load time, inference time and real-time factor to stderr", NULL },
    W2VEE_TOOL_POLICY_ENTRIES (&self.policy),
    { "manifest", 0, 0, G_OPTION_ARG_FILENAME, &self.manifest_arg,
      "Transcribe the files a manifest lists, one per line (\"path\" or \"path<TAB>...\", "
      "as w2vee eval reads), instead of FILE...", "FILE" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &self.shard_arg,
      "Transcribe only shard K of N: file i (0-based, in the order listed) when i mod N "
      "= K - 1", "K/N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &self.files, NULL,
      "FILE…" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = NULL;
  int status;
  guint i, n_files;

  context = g_option_context_new ("- transcribe speech in audio files");
  g_option_context_add_main_entries (context, entries, NULL);
  w2vee_tool_add_load_options (context);
  w2vee_tool_decode_options_add (context, &self.dec);
  w2vee_tool_add_session_options (context);
  g_option_context_set_description (context,
      "FILE is any audio file GStreamer can decode. Text output is one line per file\n"
      "(prefixed with the file name when there are several); json is one object per\n"
      "line; srt and vtt have cues of at most 2 lines of 42 characters and 6 s, split\n"
      "between words. See docs/cli.md.\n"
      W2VEE_TOOL_DECODE_HELP
      "\n"
      "Examples:\n"
      "  w2vee transcribe talk.wav\n"
      "  w2vee transcribe -e all -m MODEL_DIR talk.wav\n"
      "  w2vee transcribe -o srt talk.ogg > talk.srt\n"
      "  w2vee transcribe --exit-policy confidence talk.wav\n"
      "  w2vee transcribe --lm default talk.wav\n"
      "  w2vee transcribe -o json --manifest list.tsv --shard 2/8 > part-2.jsonl\n"
      "\n"
      "Exit status: 0 success, 1 runtime error (model, audio), 2 usage error.");
  status = w2vee_tool_parse_options (COMMAND, context, &argc, &argv, TRUE);
  if (status < 0)
    status = resolve_files (&self);
  if (status < 0)
    status = check_options (&self);
  if (status < 0)
    status = w2vee_tool_decode_options_check (COMMAND, &self.dec);
  if (status < 0)
    status = load_model (&self);
  if (status >= 0)
    goto out;

  status = W2VEE_EXIT_OK;
  n_files = g_strv_length (self.files);
  for (i = 0; i < n_files; i++) {
    if (!transcribe_file (&self, self.files[i], self.n_listed > 1))
      status = W2VEE_EXIT_RUNTIME;
  }
  if (!w2vee_tool_flush_stdout (COMMAND))
    status = W2VEE_EXIT_RUNTIME;

out:
  transcribe_clear (&self);
  return status;
}
