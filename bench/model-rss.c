/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* model-rss: peak resident memory of N model loads, each with its own session, as N
 * element instances in one process hold them (docs/scaling.md).
 *
 *   model-rss --model DIR --instances N [--separate] [--seconds S] [--threads T]
 *
 * Loads the model N times, with w2vee_model_load_shared() (default) or, with
 * --separate, with w2vee_model_load_full() each time; creates one session per load
 * (max_samples = S seconds, T threads) and runs each once on S seconds of a chirp, so
 * that every weight page and the whole workspace are touched. Then prints one line:
 *
 *   mode=shared instances=N weights_mib=W workspace_mib=S peak_rss_mib=P
 *       budget_mib=B within_budget=yes|no
 *
 * where budget = weights + N x workspace + 100 MiB and P is VmHWM of /proc/self/status.
 * Exit status 0 whether or not P is within the budget, unless --check: then 1 when P
 * is above it (the test model-rss-shared-8 of bench/meson.build).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "peak-rss.h"
#include "w2vee/w2vee.h"

int
main (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gint instances = 1, threads = 1;
  gdouble seconds = 10.0;
  gboolean separate = FALSE, check = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model directory", "DIR" },
    { "instances", 'n', 0, G_OPTION_ARG_INT, &instances, "Loads (default 1)", "N" },
    { "separate", 0, 0, G_OPTION_ARG_NONE, &separate,
      "Load the model N times (w2vee_model_load_full) instead of sharing it", NULL },
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
      "Audio each session accepts and runs (default 10)", "S" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads per session (default 1)",
      "T" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check,
      "Exit with status 1 when the peak is above the budget", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- peak RSS of N loads");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) models = g_ptr_array_new_with_free_func (
      (GDestroyNotify) w2vee_model_unref);
  g_autoptr (GPtrArray) sessions = g_ptr_array_new_with_free_func (
      (GDestroyNotify) w2vee_session_free);
  W2veeSessionParams params = w2vee_session_default_params ();
  g_autofree float *samples = NULL;  /* (n) */
  gsize n, workspace = 0;
  guint64 peak, weights, budget;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || model_dir == NULL
      || instances < 1 || threads < 1 || seconds <= 0) {
    fprintf (stderr, "model-rss: %s\n", error != NULL ? error->message :
        "needs --model DIR, --instances >= 1, --threads >= 1, --seconds > 0");
    return 2;
  }

  n = (gsize) (seconds * W2VEE_SAMPLE_RATE);
  samples = g_new (float, n);
  for (gsize i = 0; i < n; i++) {
    double t = (double) i / W2VEE_SAMPLE_RATE;

    samples[i] = 0.1f * (float) sin (2 * G_PI * (200.0 + 100.0 * t) * t);
  }
  params.n_threads = threads;
  params.max_samples = n;

  for (gint i = 0; i < instances; i++) {
    W2veeModel *model = separate
        ? w2vee_model_load_full (model_dir, W2VEE_LOAD_DEFAULT, &error)
        : w2vee_model_load_shared (model_dir, W2VEE_LOAD_DEFAULT, &error);
    W2veeSession *session;

    if (model == NULL)
      goto failed;
    g_ptr_array_add (models, model);
    session = w2vee_session_new (model, &params, &error);
    if (session == NULL)
      goto failed;
    g_ptr_array_add (sessions, session);
    workspace = w2vee_session_workspace_bytes (session);
    if (!w2vee_session_run (session, samples, n, w2vee_model_n_exits (model), &error))
      goto failed;
  }

  peak = w2vee_peak_rss_bytes ();
  weights = w2vee_model_weight_bytes (models->pdata[0]);
  budget = weights + (guint64) instances * workspace + (100u << 20);
  printf ("mode=%s instances=%d weights_mib=%.1f workspace_mib=%.1f peak_rss_mib=%.1f "
      "budget_mib=%.1f within_budget=%s\n", separate ? "separate" : "shared", instances,
      weights / 1048576.0, workspace / 1048576.0, peak / 1048576.0, budget / 1048576.0,
      peak <= budget ? "yes" : "no");
  return check && (peak == 0 || peak > budget) ? 1 : 0;

failed:
  fprintf (stderr, "model-rss: %s\n", error->message);
  return 1;
}
