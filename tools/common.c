/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Shared by the w2vee subcommands (see common.h). */
#include "common.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>

#include "audio.h"
#include "w2vee/w2vee.h"

char *
w2vee_tool_find_model (const char *requested, GError **error)
{
  if (requested != NULL)
    return g_strdup (requested);
  return w2vee_default_model_path (NULL, error);
}

/* One w2vee_tool_fetch(): the loop runs until the fetch's callback. */
typedef struct {
  GMainLoop *loop;
  GCancellable *cancellable;
  GAsyncResult *result;
} ToolFetch;

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  ToolFetch *tf = data;

  tf->result = g_object_ref (result);
  g_main_loop_quit (tf->loop);
}

/* The first SIGINT or SIGTERM cancels the fetch (it ends within a moment); a second
 * one ends the process at once. */
static gboolean
on_signal (gpointer data)
{
  ToolFetch *tf = data;

  if (g_cancellable_is_cancelled (tf->cancellable))
    _exit (W2VEE_EXIT_RUNTIME);
  g_cancellable_cancel (tf->cancellable);
  return G_SOURCE_CONTINUE;
}

static GSource *
add_signal_source (GMainContext *context, int signum, ToolFetch *tf)
{
  GSource *source = g_unix_signal_source_new (signum);

  g_source_set_callback (source, on_signal, tf, NULL);
  g_source_attach (source, context);
  return source;
}

char *
w2vee_tool_fetch (const char *uri, const W2veeFetchParams *params, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  ToolFetch tf = { 0 };
  GSource *sigint, *sigterm;
  char *dir;

  /* a context of its own: the callback and the signals are all the loop dispatches */
  g_main_context_push_thread_default (context);
  tf.loop = g_main_loop_new (context, FALSE);
  tf.cancellable = g_cancellable_new ();
  sigint = add_signal_source (context, SIGINT, &tf);
  sigterm = add_signal_source (context, SIGTERM, &tf);
  w2vee_fetch_async (uri, params, tf.cancellable, on_fetched, &tf);
  g_main_loop_run (tf.loop);
  /* removing the last signal source gives SIGINT and SIGTERM their default action */
  g_source_destroy (sigint);
  g_source_unref (sigint);
  g_source_destroy (sigterm);
  g_source_unref (sigterm);
  g_main_context_pop_thread_default (context);

  dir = w2vee_fetch_finish (tf.result, error);
  g_object_unref (tf.result);
  g_object_unref (tf.cancellable);
  g_main_loop_unref (tf.loop);
  return dir;
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

static char *precision_arg;   /* --precision, or NULL */

void
w2vee_tool_add_session_options (GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "precision", 0, 0, G_OPTION_ARG_STRING, &precision_arg,
      "Precision of the linear layers: fp32 (default), bf16 or int8 (oneDNN backend, "
      "CPUs with bfloat16 units / VNNI; both also run the conv layers after the first "
      "so; docs/performance.md)", "fp32|bf16|int8" },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
w2vee_tool_session_params (gint threads, W2veeSessionParams *params, GError **error)
{
  *params = w2vee_session_default_params ();
  params->n_threads = threads > 0 ? (guint) threads : 0;
  if (precision_arg == NULL || g_str_equal (precision_arg, "fp32")) {
    params->precision = W2VEE_PRECISION_FP32;
  } else if (g_str_equal (precision_arg, "bf16")) {
    params->precision = W2VEE_PRECISION_BF16;
  } else if (g_str_equal (precision_arg, "int8")) {
    params->precision = W2VEE_PRECISION_INT8;
  } else {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "--precision %s: unknown precision (fp32, bf16 or int8)", precision_arg);
    return FALSE;
  }
  return TRUE;
}

char *
w2vee_tool_model_dir (const char *command, const char *requested)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = NULL;
  char *dir;

  uri = w2vee_tool_find_model (requested, &error);
  if (uri == NULL) {
    fprintf (stderr, "w2vee %s: %s; or name a model with -m DIR|URI\n", command,
        error->message);
    return NULL;
  }
  if (!w2vee_uri_is_remote (uri))
    return g_steal_pointer (&uri);
  /* fetched silently into the cache (progress: w2vee fetch), loaded from there */
  dir = w2vee_tool_fetch (uri, NULL, &error);
  if (dir == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fprintf (stderr, "w2vee %s: interrupted while fetching %s; what was downloaded is "
          "kept and the next run resumes\n", command, uri);
    else
      fprintf (stderr, "w2vee %s: cannot load the model: %s\n", command, error->message);
  }
  return dir;
}

W2veeModel *
w2vee_tool_load_model (const char *command, const char *requested, gboolean verbose)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  W2veeModel *model;
  double t0;

  path = w2vee_tool_model_dir (command, requested);
  if (path == NULL)
    return NULL;
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
  W2veeSessionParams params;

  if (*session != NULL && *session_max >= n_samples)
    return TRUE;
  g_clear_pointer (session, w2vee_session_free);
  if (!w2vee_tool_session_params (threads, &params, error))
    return FALSE;
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
