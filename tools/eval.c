/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee eval: layerwise WER and CER of a model on manifests of utterances (docs/cli.md).
 *
 *   w2vee eval [-m MODEL] -d NAME=MANIFEST.tsv [-d ...] -o OUTDIR [-t N] [-v]
 *
 * A manifest line is "path<TAB>transcript" (path relative to the current directory).
 * Every item is one utterance: it is decoded whole and runs through the encoder in one
 * forward pass, up to the deepest exit, and every exit's head is decoded by CTC greedy
 * (no segmentation; items longer than W2VEE_TOOL_MAX_PASS_SECONDS are refused). One
 * session serves all items: it is created for the first item and replaced only when an
 * item is longer than it accepts, by one sized for that item rounded up to whole seconds.
 *
 * Writes, as the seed's evaluation did (wer.h has the format and the scoring):
 *   OUTDIR/NAME_results.txt   per item: file, expected text, each exit's transcript
 *   OUTDIR/wer_results.txt    per split: each exit's corpus-level WER (written last)
 * and prints per split a table of WER, CER and compute per exit on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "common.h"
#include "wer.h"
#include "w2vee/w2vee.h"

#define COMMAND "eval"
#define WER_RESULTS "wer_results.txt"
#define RESULTS_SUFFIX "_results.txt"

typedef struct {
  char *path;       /* audio file as written in the manifest, relative to the cwd */
  char *reference;  /* transcript, normalised (w2vee_score_normalize) */
  guint line;       /* 1-based line in the manifest */
} EvalItem;

typedef struct {
  char *name;       /* NAME of -d NAME=MANIFEST */
  char *manifest;   /* MANIFEST */
  GArray *items;    /* (EvalItem) in manifest order */
} EvalSplit;

/* Sums over the items of one split, for the table on stdout. */
typedef struct {
  double audio_s;  /* decoded audio, seconds */
  double infer_s;  /* forward passes and CTC decoding, seconds */
} EvalTotals;

typedef struct {
  /* options */
  char *model_arg;        /* -m, or NULL */
  char **data_args;       /* -d NAME=MANIFEST, one or more */
  char *out_dir;          /* -o */
  gint threads;           /* -t; -1 when not given */
  gboolean verbose;       /* -v */

  /* resolved */
  GPtrArray *splits;      /* (EvalSplit *) in -d order */
  W2veeModel *model;
  W2veeSession *session;  /* accepts session_max samples; NULL until the first item */
  gsize session_max;
  guint n_exits;
  guint *layers;          /* (n_exits) layer each exit reads */
} Eval;

static void
eval_item_clear (gpointer data)
{
  EvalItem *item = data;

  g_free (item->path);
  g_free (item->reference);
}

static void
eval_split_free (gpointer data)
{
  EvalSplit *split = data;

  g_free (split->name);
  g_free (split->manifest);
  g_array_unref (split->items);
  g_free (split);
}

static void
eval_clear (Eval *self)
{
  g_clear_pointer (&self->session, w2vee_session_free);
  g_clear_pointer (&self->model, w2vee_model_unref);
  g_clear_pointer (&self->splits, g_ptr_array_unref);
  g_free (self->layers);
  g_free (self->model_arg);
  g_strfreev (self->data_args);
  g_free (self->out_dir);
}

/* Reads the manifest of @split into its items. FALSE with @error naming the manifest
 * (and the line) and the reason. */
static gboolean
read_manifest (EvalSplit *split, GError **error)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean any_words = FALSE;
  guint i;

  if (!g_file_get_contents (split->manifest, &contents, NULL, &local_error)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot read the manifest: %s",
        local_error->message);
    return FALSE;
  }
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    char *line = lines[i], *tab;
    gsize len = strlen (line);
    EvalItem item = { .line = i + 1 };

    if (len > 0 && line[len - 1] == '\r')
      line[--len] = '\0';
    if (len == 0)
      continue; /* blank lines, such as after the last newline */
    if (!g_utf8_validate (line, len, NULL)) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s:%u: not UTF-8 text",
          split->manifest, item.line);
      return FALSE;
    }
    tab = strchr (line, '\t');
    if (tab == NULL) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s:%u: no tab: a line is "
          "\"path<TAB>transcript\"", split->manifest, item.line);
      return FALSE;
    }
    *tab = '\0';
    if (line[0] == '\0') {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s:%u: empty audio path",
          split->manifest, item.line);
      return FALSE;
    }
    /* a missing file fails here, before any inference */
    if (g_access (line, R_OK) != 0) {
      int errsv = errno;
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND, "%s:%u: cannot read %s: %s",
          split->manifest, item.line, line, g_strerror (errsv));
      return FALSE;
    }
    item.path = g_strdup (line);
    item.reference = w2vee_score_normalize (tab + 1);
    any_words |= item.reference[0] != '\0';
    g_array_append_val (split->items, item);
  }
  if (split->items->len == 0) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s: no items", split->manifest);
    return FALSE;
  }
  if (!any_words) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s: every transcript is empty, "
        "so the error rates are undefined", split->manifest);
    return FALSE;
  }
  return TRUE;
}

/* Runs item @index of @split through every exit in one forward pass; adds its errors
 * to @counts (n_exits), its block of NAME_results.txt to @report and its times to
 * @totals. FALSE with @error naming the manifest line and the reason. */
static gboolean
eval_item (Eval *self, const EvalSplit *split, guint index, W2veeErrorCounts *counts,
    GString *report, EvalTotals *totals, GError **error)
{
  const EvalItem *item = &g_array_index (split->items, EvalItem, index);
  g_autofree float *samples = NULL;  /* (n) */
  g_autoptr (GPtrArray) hyps = g_ptr_array_new_with_free_func (g_free);  /* (n_exits) */
  g_autoptr (GError) local_error = NULL;
  gsize n = 0, session_samples;
  double t0, item_s;
  guint e;

  samples = w2vee_tool_decode_one_pass (item->path, "w2vee eval", &n, &local_error);
  if (samples == NULL)
    goto failed;

  /* whole seconds: items of similar lengths share one session */
  session_samples = MAX ((n + W2VEE_SAMPLE_RATE - 1) / W2VEE_SAMPLE_RATE, 1)
      * W2VEE_SAMPLE_RATE;
  if (!w2vee_tool_ensure_session (self->model, self->threads, session_samples,
          &self->session, &self->session_max, &local_error))
    goto failed;
  t0 = w2vee_tool_now_ms ();
  if (!w2vee_session_run (self->session, samples, n, self->n_exits, &local_error))
    goto failed;
  for (e = 1; e <= self->n_exits; e++) {
    gsize n_frames;
    const float *logits = w2vee_session_logits (self->session, e, &n_frames);  /* (T, V) */
    g_autoptr (W2veeTranscript) transcript = w2vee_ctc_greedy (self->model, logits,
        n_frames);
    char *hyp = w2vee_score_normalize (transcript->text);

    w2vee_error_counts_add (&counts[e - 1], item->reference, hyp);
    g_ptr_array_add (hyps, hyp);
  }
  item_s = (w2vee_tool_now_ms () - t0) / 1000.0;
  totals->infer_s += item_s;
  totals->audio_s += (double) n / W2VEE_SAMPLE_RATE;
  w2vee_report_append_item (report, item->path, item->reference, self->n_exits,
      self->layers, (const char *const *) hyps->pdata);

  if (self->verbose)
    fprintf (stderr, "w2vee " COMMAND ": %s %u/%u %s: %.2f s of audio, inference "
        "%.1f ms\n", split->name, index + 1, split->items->len, item->path,
        (double) n / W2VEE_SAMPLE_RATE, item_s * 1000.0);
  return TRUE;

failed:
  g_set_error (error, W2VEE_ERROR, local_error->code, "%s:%u: %s", split->manifest,
      item->line, local_error->message);
  return FALSE;
}

/* Scores every item of @split; writes OUTDIR/NAME_results.txt, appends the split's
 * block to @wer_report and prints its table. */
static gboolean
eval_split (Eval *self, const EvalSplit *split, GString *wer_report, GError **error)
{
  g_autofree char *file = g_strconcat (split->name, RESULTS_SUFFIX, NULL);
  g_autofree char *path = g_build_filename (self->out_dir, file, NULL);
  g_autofree W2veeErrorCounts *counts = g_new0 (W2veeErrorCounts, self->n_exits);
  g_autofree double *wer = g_new (double, self->n_exits);  /* (n_exits) */
  g_autoptr (GString) report = g_string_new (NULL);
  EvalTotals totals = { 0 };
  guint i, e;

  for (i = 0; i < split->items->len; i++) {
    if (!eval_item (self, split, i, counts, report, &totals, error))
      return FALSE;
  }
  if (!g_file_set_contents (path, report->str, report->len, error))
    return FALSE;

  for (e = 0; e < self->n_exits; e++)
    wer[e] = w2vee_error_counts_wer (&counts[e]);
  w2vee_report_append_split (wer_report, split->name, self->n_exits, self->layers, wer);

  printf ("split=%s items=%u audio_s=%.2f infer_s=%.2f rtf=%.4f\n", split->name,
      split->items->len, totals.audio_s, totals.infer_s,
      totals.audio_s > 0 ? totals.infer_s / totals.audio_s : 0.0);
  printf ("%4s %5s %8s %7s %7s\n", "exit", "layer", "gflop/s", "WER", "CER");
  for (e = 0; e < self->n_exits; e++)
    printf ("%4u %5u %8.3f %7.4f %7.4f\n", e + 1, self->layers[e],
        w2vee_model_gflop (self->model, e + 1, W2VEE_SAMPLE_RATE), wer[e],
        w2vee_error_counts_cer (&counts[e]));
  printf ("\n");
  fflush (stdout);
  return TRUE;
}

/* A split NAME names a file: letters, digits, '.', '_', '-', not starting with '.'. */
static gboolean
split_name_ok (const char *name)
{
  const char *p;

  if (name[0] == '\0' || name[0] == '.')
    return FALSE;
  for (p = name; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  }
  return TRUE;
}

/* Checks the options and parses -d; returns an exit status or -1 to go on. */
static int
check_options (Eval *self)
{
  guint i;

  if (self->data_args == NULL || self->data_args[0] == NULL)
    return w2vee_tool_usage_error (COMMAND, "no -d NAME=MANIFEST given");
  if (self->out_dir == NULL || self->out_dir[0] == '\0')
    return w2vee_tool_usage_error (COMMAND, "no -o OUTDIR given");
  if (self->threads != -1 && self->threads < 1)
    return w2vee_tool_usage_error (COMMAND, "-t takes a number of threads >= 1");

  self->splits = g_ptr_array_new_with_free_func (eval_split_free);
  for (i = 0; self->data_args[i] != NULL; i++) {
    const char *arg = self->data_args[i], *eq = strchr (arg, '=');
    EvalSplit *split;
    guint j;

    if (eq == NULL || eq[1] == '\0')
      return w2vee_tool_usage_error (COMMAND, "-d takes NAME=MANIFEST, not '%s'", arg);
    split = g_new0 (EvalSplit, 1);
    split->name = g_strndup (arg, eq - arg);
    split->manifest = g_strdup (eq + 1);
    split->items = g_array_new (FALSE, FALSE, sizeof (EvalItem));
    g_array_set_clear_func (split->items, eval_item_clear);
    g_ptr_array_add (self->splits, split);

    if (!split_name_ok (split->name))
      return w2vee_tool_usage_error (COMMAND, "-d %s: NAME is made of letters, digits, "
          "'.', '_' and '-' (and does not start with '.')", arg);
    if (strcmp (split->name, "wer") == 0)
      return w2vee_tool_usage_error (COMMAND, "-d %s: the split cannot be called 'wer' "
          "(its results file would be " WER_RESULTS ")", arg);
    for (j = 0; j < self->splits->len - 1; j++) {
      if (strcmp (((EvalSplit *) self->splits->pdata[j])->name, split->name) == 0)
        return w2vee_tool_usage_error (COMMAND, "split '%s' given twice", split->name);
    }
  }
  return -1;
}

/* Reads the manifests, makes OUTDIR and loads the model; returns an exit status or -1. */
static int
prepare (Eval *self)
{
  g_autoptr (GError) error = NULL;
  guint i;

  for (i = 0; i < self->splits->len; i++) {
    if (!read_manifest (self->splits->pdata[i], &error)) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      return W2VEE_EXIT_RUNTIME;
    }
  }
  if (g_mkdir_with_parents (self->out_dir, 0777) != 0
      || g_access (self->out_dir, W_OK) != 0) {
    int errsv = errno;
    fprintf (stderr, "w2vee " COMMAND ": cannot write to %s: %s\n", self->out_dir,
        g_strerror (errsv));
    return W2VEE_EXIT_RUNTIME;
  }

  self->model = w2vee_tool_load_model (COMMAND, self->model_arg, self->verbose);
  if (self->model == NULL)
    return W2VEE_EXIT_RUNTIME;
  self->n_exits = w2vee_model_n_exits (self->model);
  self->layers = g_new (guint, self->n_exits);
  for (i = 0; i < self->n_exits; i++)
    self->layers[i] = w2vee_model_exit_layer (self->model, i + 1);
  return -1;
}

int
w2vee_cmd_eval (int argc, char **argv)
{
  Eval self = { .threads = -1 };
  const GOptionEntry entries[] = {
    W2VEE_TOOL_MODEL_ENTRY (&self.model_arg),
    { "data", 'd', 0, G_OPTION_ARG_FILENAME_ARRAY, &self.data_args,
      "A split to score: its NAME and its manifest of \"path<TAB>transcript\" lines "
      "(repeat for several splits)", "NAME=MANIFEST" },
    { "output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &self.out_dir,
      "Folder for " WER_RESULTS " and NAME" RESULTS_SUFFIX " (made if missing)",
      "OUTDIR" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &self.threads,
      "Worker threads (default: one per CPU)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &self.verbose,
      "Print the model and each item's inference time to stderr", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) wer_report = g_string_new (NULL);
  g_autofree char *wer_path = NULL;
  int status;
  guint i;

  context = g_option_context_new ("- layerwise WER and CER of a model on manifests");
  g_option_context_add_main_entries (context, entries, NULL);
  w2vee_tool_add_load_options (context);
  w2vee_tool_add_session_options (context);
  g_option_context_set_description (context,
      "MANIFEST lines are \"path<TAB>transcript\", the path relative to the current\n"
      "directory. Each item runs through the encoder in one forward pass (at most "
      G_STRINGIFY (W2VEE_TOOL_MAX_PASS_SECONDS) " s)\n"
      "and every exit is decoded. WER and CER are corpus-level, on lower-cased text.\n"
      "Writes OUTDIR/" WER_RESULTS " and OUTDIR/NAME" RESULTS_SUFFIX "; prints per split:\n"
      "  split=NAME items=N audio_s=S infer_s=S rtf=X\n"
      "  exit layer gflop/s WER CER        (then one row per exit and a blank line)\n"
      "See docs/cli.md.\n"
      "\n"
      "Examples:\n"
      "  w2vee eval -d test=test.tsv -o results\n"
      "  w2vee eval -m MODEL_DIR -d clean=clean.tsv -d other=other.tsv -o results\n"
      "\n"
      "Exit status: 0 success, 1 runtime error (model, manifest, audio), 2 usage error.");
  status = w2vee_tool_parse_options (COMMAND, context, &argc, &argv, FALSE);
  if (status < 0)
    status = check_options (&self);
  if (status < 0)
    status = prepare (&self);
  if (status >= 0)
    goto out;

  status = W2VEE_EXIT_RUNTIME;
  for (i = 0; i < self.splits->len; i++) {
    if (!eval_split (&self, self.splits->pdata[i], wer_report, &error)) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      goto out;
    }
  }
  wer_path = g_build_filename (self.out_dir, WER_RESULTS, NULL);
  if (!g_file_set_contents (wer_path, wer_report->str, wer_report->len, &error)) {
    fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    goto out;
  }
  if (!w2vee_tool_flush_stdout (COMMAND))
    goto out;
  status = W2VEE_EXIT_OK;

out:
  eval_clear (&self);
  return status;
}
