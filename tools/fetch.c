/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee fetch: downloads a model URI into the cache and prints its local directory
 * (docs/cli.md, docs/models.md).
 *
 *   w2vee fetch [--offline] [-q] hf://ORG/NAME[@REVISION] | https://BASE/
 *
 * The fetch is w2vee_fetch_async() while a main loop waits for it, or for SIGINT/SIGTERM,
 * which cancel it (w2vee_tool_fetch(): what was downloaded is kept, and resumed by the
 * next run). Progress goes to stderr: a bar redrawn in place on a terminal, plain lines
 * otherwise; the snapshot directory goes to stdout.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "w2vee/w2vee.h"

#define COMMAND "fetch"
#define BAR_WIDTH 24
#define PLAIN_STEP 10           /* percent between two plain progress lines */

typedef struct {
  /* options */
  gboolean offline;
  gboolean quiet;
  char **args;

  /* progress, written by the fetch's worker thread only (read once it is over) */
  gboolean tty;
  char *file;             /* the file being reported */
  guint64 started_at;     /* bytes it had when this run started on it */
  gint64 started_us;
  int last_step;          /* last plain line, in PLAIN_STEP percent */
} Fetch;

static void
draw_bar (Fetch *self, guint64 done, guint64 total)
{
  double fraction = total > 0 ? (double) done / total : 1.0;
  double seconds = (g_get_monotonic_time () - self->started_us) / 1e6;
  g_autofree char *have = g_format_size (done), *all = g_format_size (total);
  g_autofree char *rate = NULL;
  char bar[BAR_WIDTH + 1];
  int i, filled = (int) (fraction * BAR_WIDTH);

  for (i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[BAR_WIDTH] = '\0';
  if (seconds > 0.2 && done > self->started_at) {
    g_autofree char *per_second = g_format_size ((guint64) ((done - self->started_at) /
            seconds));

    rate = g_strconcat (per_second, "/s", NULL);
  }
  fprintf (stderr, "\r%-26s [%s] %3d%%  %s / %s  %s\033[K", self->file, bar,
      (int) (fraction * 100), have, all, rate != NULL ? rate : "");
}

/* Called by the engine from the fetch's worker thread. */
static void
on_progress (const char *file, guint64 done, guint64 total, gpointer data)
{
  Fetch *self = data;
  gboolean first = self->file == NULL || strcmp (self->file, file) != 0;
  int step = total > 0 ? (int) (done * 100 / total) / PLAIN_STEP : 100 / PLAIN_STEP;
  g_autofree char *size = g_format_size (total);

  if (self->quiet)
    return;
  if (first) {
    g_free (self->file);
    self->file = g_strdup (file);
    self->started_at = done;
    self->started_us = g_get_monotonic_time ();
    self->last_step = -1;
  }
  if (first && done == total) {
    fprintf (stderr, "%s: %s, in the cache\n", file, size);
    return;
  }
  if (self->tty) {
    draw_bar (self, done, total);
    if (done == total)
      fputc ('\n', stderr);
  } else if (first) {
    g_autofree char *from = g_format_size (done);

    if (done > 0)
      fprintf (stderr, "%s: %s, resuming at %s\n", file, size, from);
    else
      fprintf (stderr, "%s: %s, downloading\n", file, size);
    self->last_step = step;
  } else if (done == total) {
    fprintf (stderr, "%s: %s, done and verified\n", file, size);
  } else if (step > self->last_step) {
    fprintf (stderr, "%s: %d%%\n", file, step * PLAIN_STEP);
    self->last_step = step;
  }
  fflush (stderr);
}

int
w2vee_cmd_fetch (int argc, char **argv)
{
  Fetch self = { 0 };
  const GOptionEntry entries[] = {
    { "offline", 0, 0, G_OPTION_ARG_NONE, &self.offline,
      "Use the cache only, never the network (as HF_HUB_OFFLINE=1 or W2VEE_OFFLINE=1)",
      NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &self.quiet, "Print no progress", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &self.args, NULL, "URI" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  W2veeFetchParams params = w2vee_fetch_default_params ();
  g_autofree char *dir = NULL;
  const char *uri;
  int status = W2VEE_EXIT_OK;

  context = g_option_context_new ("- download a model into the cache");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
      "URI is hf://ORG/NAME[@REVISION] (from $HF_ENDPOINT, default https://huggingface.co;\n"
      "$HF_TOKEN is sent when set) or https://BASE/ (a URL holding config.json,\n"
      "model.safetensors, ...). The files go to $W2VEE_CACHE (default\n"
      "$XDG_CACHE_HOME/w2vee); the model's directory there is printed on stdout.\n"
      "Ctrl-C stops; the next run resumes. See docs/models.md.\n"
      "\n"
      "Examples:\n"
      "  w2vee fetch hf://SpeechTek/EE-Wav2Vec2\n"
      "  w2vee transcribe -m \"$(w2vee fetch -q hf://ORG/NAME@v1.0)\" talk.wav\n"
      "\n"
      "Exit status: 0 success, 1 runtime error (network, checksum, cache), 2 usage error.");
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    status = w2vee_tool_usage_error (COMMAND, "%s", error->message);
    goto out;
  }
  if (self.args == NULL || g_strv_length (self.args) != 1) {
    status = w2vee_tool_usage_error (COMMAND, self.args == NULL ? "no URI given" :
        "one URI at a time");
    goto out;
  }
  uri = self.args[0];
  if (!w2vee_uri_is_remote (uri)) {
    status = w2vee_tool_usage_error (COMMAND, "'%s' is not a model URI (hf://ORG/NAME, "
        "https://BASE/)", uri);
    goto out;
  }

  self.tty = isatty (STDERR_FILENO);
  params.progress = on_progress;
  params.progress_data = &self;
  params.offline = self.offline;
  dir = w2vee_tool_fetch (uri, &params, &error);
  if (dir == NULL) {
    if (self.tty && !self.quiet && self.file != NULL)
      fputc ('\n', stderr);
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fprintf (stderr, "w2vee " COMMAND ": interrupted; what was downloaded is kept and "
          "the next 'w2vee fetch %s' resumes\n", uri);
    else
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    status = W2VEE_EXIT_RUNTIME;
    goto out;
  }
  printf ("%s\n", dir);
  if (!w2vee_tool_flush_stdout (COMMAND))
    status = W2VEE_EXIT_RUNTIME;

out:
  g_free (self.file);
  g_strfreev (self.args);
  return status;
}
