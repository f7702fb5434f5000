/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Shared by the w2vee subcommands (see common.h). */
#include "common.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "audio.h"
#include "w2vee/w2vee.h"

char *
w2vee_tool_find_model (const char *requested, GError **error)
{
  g_autofree char *exe = NULL;

  if (requested != NULL)
    return g_strdup (requested);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  return w2vee_default_model_path (exe, error);
}

static gboolean no_pickle;

void
w2vee_tool_add_load_options (GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "no-pickle", 0, 0, G_OPTION_ARG_NONE, &no_pickle,
      "Never read pytorch_model.bin (a pickle): load model.safetensors only "
      "(also: W2VEE_NO_PICKLE=1)", NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

W2veeLoadFlags
w2vee_tool_load_flags (void)
{
  return no_pickle ? W2VEE_LOAD_NO_PICKLE : W2VEE_LOAD_DEFAULT;
}

W2veeModel *
w2vee_tool_load_model (const char *command, const char *requested, gboolean verbose)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  W2veeModel *model;
  double t0;

  path = w2vee_tool_find_model (requested, &error);
  if (path == NULL) {
    fprintf (stderr, "w2vee %s: %s\n", command, error->message);
    return NULL;
  }
  t0 = w2vee_tool_now_ms ();
  model = w2vee_model_load_full (path, w2vee_tool_load_flags (), &error);
  if (model == NULL) {
    /* the loader's messages name the file */
    fprintf (stderr, "w2vee %s: cannot load the model: %s\n", command, error->message);
    return NULL;
  }

  if (verbose) {
    g_autoptr (GString) layers = g_string_new (NULL);
    guint i, n_exits = w2vee_model_n_exits (model);

    for (i = 1; i <= n_exits; i++)
      g_string_append_printf (layers, "%s%u", i > 1 ? "," : "",
          w2vee_model_exit_layer (model, i));
    fprintf (stderr, "w2vee %s: model %s: %u exit(s) at layers %s, "
        "%.1f MB of weights, loaded in %.1f ms\n", command, path, n_exits, layers->str,
        w2vee_model_weight_bytes (model) / 1e6, w2vee_tool_now_ms () - t0);
  }
  return model;
}

gboolean
w2vee_tool_ensure_session (W2veeModel *model, gint threads, gsize n_samples,
    W2veeSession **session, gsize *session_max, GError **error)
{
  W2veeSessionParams params = w2vee_session_default_params ();

  if (*session != NULL && *session_max >= n_samples)
    return TRUE;
  g_clear_pointer (session, w2vee_session_free);
  params.n_threads = threads > 0 ? (guint) threads : 0;
  params.max_samples = MAX (n_samples, 1);
  *session = w2vee_session_new (model, &params, error);
  if (*session == NULL)
    return FALSE;
  *session_max = params.max_samples;
  return TRUE;
}

float *
w2vee_tool_decode_one_pass (const char *path, const char *who, gsize *n_samples,
    GError **error)
{
  g_autoptr (GError) local_error = NULL;
  float *samples;

  samples = w2vee_audio_decode_file (path,
      (gsize) W2VEE_TOOL_MAX_PASS_SECONDS * W2VEE_SAMPLE_RATE, n_samples, &local_error);
  if (samples != NULL)
    return samples;
  if (g_error_matches (local_error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE))
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s; %s runs the whole file in one pass, whose cost grows with the square of "
        "its length, and accepts at most %d s", local_error->message, who,
        W2VEE_TOOL_MAX_PASS_SECONDS);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

int
w2vee_tool_parse_options (const char *command, GOptionContext *context, int *argc,
    char ***argv, gboolean with_args)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    return w2vee_tool_usage_error (command, "%s", error->message);
  if (!with_args && *argc > 1)
    return w2vee_tool_usage_error (command, "unexpected argument '%s'", (*argv)[1]);
  return -1;
}

int
w2vee_tool_usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "w2vee %s: %s\nTry 'w2vee %s --help'.\n", command, message, command);
  return W2VEE_EXIT_USAGE;
}

gboolean
w2vee_tool_flush_stdout (const char *command)
{
  if (fflush (stdout) == 0 && !ferror (stdout))
    return TRUE;
  fprintf (stderr, "w2vee %s: cannot write to the standard output\n", command);
  return FALSE;
}

double
w2vee_tool_now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

double
w2vee_tool_peak_rss_mb (void)
{
  g_autofree char *status = NULL;
  struct rusage usage;
  const char *hwm;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      && (hwm = strstr (status, "\nVmHWM:")) != NULL)
    return g_ascii_strtod (hwm + strlen ("\nVmHWM:"), NULL) / 1024.0; /* kB */
  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0.0;
  return usage.ru_maxrss / 1024.0; /* Linux: KiB */
}
