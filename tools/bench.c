/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee bench: inference speed of a model on synthetic audio (docs/cli.md).
 *
 * Loads the model, makes S seconds of seeded synthetic audio (noise and tones: the
 * content does not change the work), then for each exit reported runs the encoder up to
 * that exit alone, once to warm up and R times timed, and prints the median real-time
 * factor and the GFLOP/s it achieved. The output lines are a contract read by
 * bench/run.py and the tests:
 *
 *   model=DIR seconds=S samples=n frames=T threads=N repeat=R warmup=1
 *   ready_ms=X                              model load + session creation
 *   exit=E layer=L rtf=X gflops=Y           one per exit, shallowest first
 *   peak_rss_mb=X                           the process's peak resident set, MiB
 *
 * --profile adds, after each exit line, "stage exit=E name=NAME ms=X share=F" per
 * stage of the forward pass (the engine's W2veeStage; mean of the timed runs, which
 * then also pay the engine's few clock reads per layer).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "w2vee/w2vee.h"

#define COMMAND "bench"
#define DEFAULT_SECONDS 10.0
#define DEFAULT_REPEAT 3
#define WARMUP_RUNS 1
#define INPUT_SEED 20261127  /* synthetic audio; any seed gives the same work */

typedef struct {
  /* options */
  char *model_arg;         /* -m, or NULL */
  char *exit_arg;          /* -e, or NULL (all) */
  double seconds;          /* --seconds */
  gint threads;            /* -t; -1 when not given */
  gint repeat;             /* -r */
  gboolean profile;        /* --profile */

  /* resolved */
  guint exit;              /* -e N, or 0 for every exit */
  W2veeModel *model;
  W2veeSession *session;
  float *samples;          /* (n_samples) synthetic audio */
  gsize n_samples;
} Bench;

static void
bench_clear (Bench *self)
{
  g_clear_pointer (&self->session, w2vee_session_free);
  g_clear_pointer (&self->model, w2vee_model_unref);
  g_free (self->samples);
  g_free (self->model_arg);
  g_free (self->exit_arg);
}

/* @n samples of speech-band tones under white noise, peak below 0.6: seeded. */
static float *
synthetic_audio (gsize n)
{
  static const double tones_hz[] = { 180.0, 440.0, 1250.0, 3100.0 };
  float *x = g_new (float, n);
  GRand *rand = g_rand_new_with_seed (INPUT_SEED);
  gsize i, j;

  for (i = 0; i < n; i++) {
    double t = (double) i / W2VEE_SAMPLE_RATE, v = 0.1 * g_rand_double_range (rand, -1, 1);

    for (j = 0; j < G_N_ELEMENTS (tones_hz); j++)
      v += 0.12 * sin (2.0 * G_PI * tones_hz[j] * t + j);
    x[i] = (float) v;
  }
  g_rand_free (rand);
  return x;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* --profile: names of the engine's W2veeStage values in the "stage" lines. */
static const char *const stage_names[W2VEE_N_STAGES] = {
  [W2VEE_STAGE_CONV] = "conv",
  [W2VEE_STAGE_PROJECTION] = "projection",
  [W2VEE_STAGE_ATTENTION] = "attention",
  [W2VEE_STAGE_FFN] = "ffn",
  [W2VEE_STAGE_HEADS] = "heads",
};

/* "stage exit=E name=NAME ms=X share=F" per stage: @sum (seconds per stage, summed
 * over @runs timed runs) as a mean per run and a share of the stages' total. */
static void
print_profile (guint exit, const double *sum, guint runs)
{
  double total = 0.0;
  int st;

  for (st = 0; st < W2VEE_N_STAGES; st++)
    total += sum[st];
  for (st = 0; st < W2VEE_N_STAGES; st++)
    printf ("stage exit=%u name=%s ms=%.2f share=%.3f\n", exit, stage_names[st],
        sum[st] / runs * 1000.0, total > 0 ? sum[st] / total : 0.0);
}

/* Runs to @exit once to warm up and self->repeat times timed; prints its line. */
static gboolean
bench_exit (Bench *self, guint exit, GError **error)
{
  g_autofree double *secs = g_new (double, self->repeat);  /* (repeat) */
  double median, gflop;
  gint r;
  double stage_sum[W2VEE_N_STAGES] = { 0 };  /* seconds, summed over the timed runs */

  for (r = 0; r < WARMUP_RUNS; r++) {
    if (!w2vee_session_run (self->session, self->samples, self->n_samples, exit, error))
      return FALSE;
  }
  for (r = 0; r < self->repeat; r++) {
    double t0 = w2vee_tool_now_ms ();

    if (!w2vee_session_run (self->session, self->samples, self->n_samples, exit, error))
      return FALSE;
    secs[r] = (w2vee_tool_now_ms () - t0) / 1000.0;
    if (self->profile) {
      double stage[W2VEE_N_STAGES];
      int st;

      w2vee_session_get_profile (self->session, stage);
      for (st = 0; st < W2VEE_N_STAGES; st++)
        stage_sum[st] += stage[st];
    }
  }
  qsort (secs, self->repeat, sizeof (double), compare_doubles);
  /* even counts: the mean of the middle two */
  median = self->repeat % 2 ? secs[self->repeat / 2]
      : (secs[self->repeat / 2 - 1] + secs[self->repeat / 2]) / 2.0;
  gflop = w2vee_model_gflop (self->model, exit, self->n_samples);

  printf ("exit=%u layer=%u rtf=%.5f gflops=%.1f\n", exit,
      w2vee_model_exit_layer (self->model, exit),
      median / (self->n_samples / (double) W2VEE_SAMPLE_RATE),
      median > 0 ? gflop / median : 0.0);
  if (self->profile)
    print_profile (exit, stage_sum, (guint) self->repeat);
  fflush (stdout);
  return TRUE;
}

/* Checks the options that need no model; returns an exit status or -1 to go on. */
static int
check_options (Bench *self)
{
  guint64 v;

  if (self->exit_arg == NULL || g_strcmp0 (self->exit_arg, "all") == 0)
    self->exit = 0;
  else if (g_ascii_string_to_unsigned (self->exit_arg, 10, 1, G_MAXUINT, &v, NULL))
    self->exit = (guint) v;
  else
    return w2vee_tool_usage_error (COMMAND,
        "-e takes an exit number (1, 2, ...) or 'all', not '%s'", self->exit_arg);
  if (!(self->seconds > 0.0) || !isfinite (self->seconds))
    return w2vee_tool_usage_error (COMMAND, "--seconds takes a duration > 0");
  if (self->threads != -1 && self->threads < 1)
    return w2vee_tool_usage_error (COMMAND, "-t takes a number of threads >= 1");
  if (self->repeat < 1)
    return w2vee_tool_usage_error (COMMAND, "-r takes a number of runs >= 1");
  self->n_samples = (gsize) llround (self->seconds * W2VEE_SAMPLE_RATE);
  if (self->n_samples == 0)
    return w2vee_tool_usage_error (COMMAND, "--seconds %g is less than one sample",
        self->seconds);
  return -1;
}

/* Loads the model and makes the session; prints the header and ready_ms lines.
 * Returns an exit status or -1 to go on. */
static int
prepare (Bench *self)
{
  W2veeSessionParams params = w2vee_session_default_params ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  double t0, ready_ms;
  guint n_exits;

  path = w2vee_tool_model_dir (COMMAND, self->model_arg);
  if (path == NULL)
    return W2VEE_EXIT_RUNTIME;
  self->samples = synthetic_audio (self->n_samples);

  t0 = w2vee_tool_now_ms ();
  self->model = w2vee_model_load_full (path, w2vee_tool_load_flags (), &error);
  if (self->model == NULL) {
    fprintf (stderr, "w2vee " COMMAND ": cannot load the model: %s\n", error->message);
    return W2VEE_EXIT_RUNTIME;
  }
  n_exits = w2vee_model_n_exits (self->model);
  if (self->exit > n_exits)
    return w2vee_tool_usage_error (COMMAND, "exit %u does not exist: the model has "
        "exits 1..%u", self->exit, n_exits);
  if (w2vee_model_n_frames (self->model, self->n_samples) == 0) {
    fprintf (stderr, "w2vee " COMMAND ": --seconds %g is shorter than one frame of the "
        "model (%u samples)\n", self->seconds,
        w2vee_model_receptive_field (self->model));
    return W2VEE_EXIT_USAGE;
  }
  if (!w2vee_tool_session_params (self->threads, &params, &error))
    return w2vee_tool_usage_error (COMMAND, "%s", error->message);
  params.max_samples = self->n_samples;
  self->session = w2vee_session_new (self->model, &params, &error);
  if (self->session == NULL) {
    fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    return W2VEE_EXIT_RUNTIME;
  }
  ready_ms = w2vee_tool_now_ms () - t0;
  w2vee_session_set_profiling (self->session, self->profile);

  printf ("model=%s seconds=%g samples=%" G_GSIZE_FORMAT " frames=%" G_GSIZE_FORMAT
      " threads=%u repeat=%d warmup=%d\n", path, self->seconds, self->n_samples,
      w2vee_model_n_frames (self->model, self->n_samples),
      self->threads > 0 ? (guint) self->threads : g_get_num_processors (), self->repeat,
      WARMUP_RUNS);
  printf ("ready_ms=%.1f\n", ready_ms);
  fflush (stdout);
  return -1;
}

int
w2vee_cmd_bench (int argc, char **argv)
{
  Bench self = { .seconds = DEFAULT_SECONDS, .threads = -1, .repeat = DEFAULT_REPEAT };
  const GOptionEntry entries[] = {
    W2VEE_TOOL_MODEL_ENTRY (&self.model_arg),
    { "exit", 'e', 0, G_OPTION_ARG_STRING, &self.exit_arg,
      "Exit to time, 1 (shallowest) to n (deepest), or 'all' (the default): each exit "
      "is timed running up to it alone", "N|all" },
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &self.seconds,
      "Length of the synthetic input in seconds (default 10)", "S" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &self.threads,
      "Worker threads (default: one per CPU)", "N" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &self.repeat,
      "Timed runs per exit after one warm-up run; the median is reported (default 3)",
      "R" },
    { "profile", 0, 0, G_OPTION_ARG_NONE, &self.profile,
      "Also print the time of each stage of the forward pass per exit (mean of the "
      "timed runs)", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  guint e;

  context = g_option_context_new ("- time inference on synthetic audio");
  g_option_context_add_main_entries (context, entries, NULL);
  w2vee_tool_add_load_options (context);
  w2vee_tool_add_session_options (context);
  g_option_context_set_description (context,
      "Prints, on stdout (see docs/cli.md):\n"
      "  model=DIR seconds=S samples=n frames=T threads=N repeat=R warmup=1\n"
      "  ready_ms=X                     model load + session creation, ms\n"
      "  exit=E layer=L rtf=X gflops=Y  per exit: median compute seconds per audio\n"
      "                                 second, and the GFLOP/s achieved\n"
      "  peak_rss_mb=X                  peak resident memory of the process, MiB\n"
      "With --profile, after each exit line, one line per stage of the forward pass:\n"
      "  stage exit=E name=conv|projection|attention|ffn|heads ms=X share=F\n"
      "\n"
      "Examples:\n"
      "  w2vee bench -m MODEL_DIR\n"
      "  w2vee bench -m MODEL_DIR -e 1 --seconds 30 -t 2 -r 5\n"
      "\n"
      "Exit status: 0 success, 1 runtime error (model, inference), 2 usage error.");
  status = w2vee_tool_parse_options (COMMAND, context, &argc, &argv, FALSE);
  if (status < 0)
    status = check_options (&self);
  if (status < 0)
    status = prepare (&self);
  if (status >= 0)
    goto out;

  status = W2VEE_EXIT_OK;
  for (e = 1; e <= w2vee_model_n_exits (self.model); e++) {
    if (self.exit != 0 && e != self.exit)
      continue;
    if (!bench_exit (&self, e, &error)) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      status = W2VEE_EXIT_RUNTIME;
      goto out;
    }
  }
  printf ("peak_rss_mb=%.1f\n", w2vee_tool_peak_rss_mb ());
  if (!w2vee_tool_flush_stdout (COMMAND))
    status = W2VEE_EXIT_RUNTIME;

out:
  bench_clear (&self);
  return status;
}
