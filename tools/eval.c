/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee eval: layerwise WER and CER of a model on manifests of utterances (docs/cli.md).
 *
 *   w2vee eval [-m MODEL] -d NAME=MANIFEST.tsv [-d ...] -o OUTDIR [-t N] [-v]
 *              [--exit-policy P [--exit-threshold T] [--exit-score R]] [--entropy]
 *              [--exit-sweep] [--lm LM] [--lexicon LEX] [--beam-size N] ...
 *   w2vee eval ... --shard K/N -o SHARDDIR      (items i with i mod N = K - 1)
 *   w2vee eval --merge SHARDDIR... -o OUTDIR    (shard.h, docs/scaling.md)
 *
 * A manifest line is "path<TAB>transcript" (path relative to the current directory).
 * Every item is one utterance: it is decoded whole and runs through the encoder in one
 * forward pass, up to the deepest exit, and every exit's head is decoded by CTC greedy,
 * or by beam search with --lm / --lexicon (decoding.h; no segmentation; items longer
 * than W2VEE_TOOL_MAX_PASS_SECONDS are refused). One
 * session serves all items: it is created for the first item and replaced only when an
 * item is longer than it accepts, by one sized for that item rounded up to whole seconds.
 *
 * Writes, as the seed's evaluation did (wer.h has the format and the scoring):
 *   OUTDIR/NAME_results.txt   per item: file, expected text, each exit's transcript
 *   OUTDIR/wer_results.txt    per split: each exit's corpus-level WER (written last)
 * and prints per split a table of WER, CER and compute per exit on stdout. With
 * --exit-policy, each item also runs under the policy (policy.h) and a policy line
 * follows the table; --entropy writes OUTDIR/NAME_scores.tsv (every item's score of
 * every exit under every rule, with its error counts); --exit-sweep prints the
 * confidence policy over a range of thresholds, computed from the same scores. Each
 * item's policy run and scores are part of its result (shard.h), so a shard carries
 * them and a merged run reports them as a whole run does (eval-report.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "common.h"
#include "decoding.h"
#include "eval-report.h"
#include "policy.h"
#include "shard.h"
#include "wer.h"
#include "w2vee/w2vee.h"

#define COMMAND "eval"
#define WER_RESULTS "wer_results.txt"
#define RESULTS_SUFFIX "_results.txt"
#define SCORES_SUFFIX "_scores.tsv"

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

/* The decoding times of one split's items (-v); not part of the report. */
typedef struct {
  double audio_s;      /* decoded audio, seconds */
  double forward_s;    /* forward passes alone, seconds */
  double *decode_s;    /* (n_exits) decoding of each exit, seconds */
  const char *decoder; /* W2veeTranscript.decoder of the last item */
} EvalTimes;

typedef struct {
  /* options */
  char *model_arg;        /* -m, or NULL */
  char **data_args;       /* -d NAME=MANIFEST, one or more */
  char *out_dir;          /* -o */
  gint threads;           /* -t; -1 when not given */
  gboolean verbose;       /* -v */
  char *shard_arg;        /* --shard K/N, or NULL */
  gboolean merge;         /* --merge: the arguments are shard folders */
  guint shard_k, shard_n; /* parsed --shard; 0 of 0 without it */
  W2veeToolPolicy policy; /* --exit-policy, --exit-threshold, --exit-score */
  gboolean entropy;       /* --entropy */
  gboolean sweep;         /* --exit-sweep */
  W2veeToolDecodeOptions dec; /* --lm, --lexicon, --beam-size, ... */

  /* resolved */
  GPtrArray *splits;      /* (EvalSplit *) in -d order */
  W2veeModel *model;
  W2veeDecoder *decoder;  /* beam search (--lm, --lexicon), or NULL for greedy */
  W2veeSession *session;  /* accepts session_max samples; NULL until the first item */
  gsize session_max;
  guint n_exits;
  guint *layers;          /* (n_exits) layer each exit reads */
  W2veeEvalRun *run;      /* header and results; its splits parallel @splits */
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
  g_clear_pointer (&self->decoder, w2vee_decoder_free);
  g_clear_pointer (&self->model, w2vee_model_unref);
  w2vee_tool_decode_options_clear (&self->dec);
  g_clear_pointer (&self->splits, g_ptr_array_unref);
  g_clear_pointer (&self->run, w2vee_eval_run_free);
  g_free (self->shard_arg);
  g_free (self->layers);
  g_free (self->model_arg);
  g_strfreev (self->data_args);
  g_free (self->out_dir);
  w2vee_tool_policy_clear (&self->policy);
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

/* Runs one item again, under the policy, and puts its exit, transcript and cost in
 * @result. */
static gboolean
eval_item_policy (Eval *self, const float *samples, gsize n, W2veeEvalResult *result,
    GError **error)
{
  g_autoptr (W2veeTranscript) transcript = NULL;
  const float *logits;  /* (T, V) */
  gsize n_frames;
  guint exit;

  if (!w2vee_tool_policy_run (&self->policy, self->session, samples, n, self->n_exits,
          &exit, error))
    return FALSE;
  logits = w2vee_session_logits (self->session, exit, &n_frames);
  transcript = w2vee_tool_decode (self->decoder, self->model, logits, n_frames, error);
  if (transcript == NULL)
    return FALSE;
  result->policy_exit = exit;
  result->policy_hypothesis = w2vee_score_normalize (transcript->text);
  result->policy_gflop = w2vee_model_gflop (self->model, exit, n);
  result->policy_layers = w2vee_session_last_layer (self->session);
  return TRUE;
}

/* Runs item @index of @split through every exit in one forward pass, then under the
 * exit policy if there is one; adds its result (transcripts, times, policy run and
 * scores as the run asks) to @out and its decoding times to @times. FALSE with @error
 * naming the manifest line and the reason. */
static gboolean
eval_item (Eval *self, const EvalSplit *split, guint index, W2veeEvalSplit *out,
    EvalTimes *times, GError **error)
{
  const EvalItem *item = &g_array_index (split->items, EvalItem, index);
  g_autofree float *samples = NULL;  /* (n) */
  g_autoptr (GPtrArray) hyps = g_ptr_array_new_with_free_func (g_free);  /* (n_exits) */
  gboolean with_scores = self->run->entropy || self->run->sweep;
  g_autofree double *gflop = with_scores ? g_new (double, self->n_exits) : NULL;
  g_autofree double *scores = with_scores  /* (n_exits, W2VEE_N_SCORES) */
      ? g_new (double, self->n_exits * W2VEE_N_SCORES) : NULL;
  W2veeEvalResult result = { .index = index };
  g_autoptr (GError) local_error = NULL;
  gsize n = 0, session_samples;
  double t0, item_s;
  guint e, r;

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
  times->forward_s += (w2vee_tool_now_ms () - t0) / 1000.0;
  for (e = 1; e <= self->n_exits; e++) {
    double t_dec = w2vee_tool_now_ms ();
    gsize n_frames;
    const float *logits = w2vee_session_logits (self->session, e, &n_frames);  /* (T, V) */
    g_autoptr (W2veeTranscript) transcript = w2vee_tool_decode (self->decoder, self->model,
        logits, n_frames, &local_error);

    if (transcript == NULL)
      goto failed;
    times->decode_s[e - 1] += (w2vee_tool_now_ms () - t_dec) / 1000.0;
    times->decoder = transcript->decoder;
    g_ptr_array_add (hyps, w2vee_score_normalize (transcript->text));
    if (!with_scores)
      continue;
    gflop[e - 1] = w2vee_model_gflop (self->model, e, n);
    for (r = 0; r < W2VEE_N_SCORES; r++)
      scores[(e - 1) * W2VEE_N_SCORES + r] = w2vee_session_exit_score (self->session, e,
          (W2veeScore) r);
  }
  if (self->policy.kind != W2VEE_TOOL_POLICY_FIXED
      && !eval_item_policy (self, samples, n, &result, &local_error))
    goto failed;
  item_s = (w2vee_tool_now_ms () - t0) / 1000.0;
  times->audio_s += (double) n / W2VEE_SAMPLE_RATE;
  g_ptr_array_add (hyps, NULL);
  result.file = g_strdup (item->path);
  result.reference = g_strdup (item->reference);
  result.hypotheses = (char **) g_ptr_array_steal (hyps, NULL);
  result.n_samples = n;
  result.infer_s = item_s;
  result.gflop = g_steal_pointer (&gflop);
  result.scores = g_steal_pointer (&scores);
  w2vee_eval_split_add (out, &result);

  if (self->verbose)
    fprintf (stderr, "w2vee " COMMAND ": %s %u/%u %s: %.2f s of audio, inference "
        "%.1f ms\n", split->name, index + 1, split->items->len, item->path,
        (double) n / W2VEE_SAMPLE_RATE, item_s * 1000.0);
  return TRUE;

failed:
  g_free (result.policy_hypothesis);
  g_set_error (error, W2VEE_ERROR, local_error->code, "%s:%u: %s", split->manifest,
      item->line, local_error->message);
  return FALSE;
}

/* Writes @contents to OUTDIR/NAME@suffix. */
static gboolean
write_split_file (const char *out_dir, const char *name, const char *suffix,
    const GString *contents, GError **error)
{
  g_autofree char *file = g_strconcat (name, suffix, NULL);
  g_autofree char *path = g_build_filename (out_dir, file, NULL);

  return g_file_set_contents (path, contents->str, contents->len, error);
}

/* Scores @split of @run (all its items): writes OUTDIR/NAME_results.txt (and with
 * --entropy OUTDIR/NAME_scores.tsv) unless @out_dir is NULL, appends the split's block
 * to @wer_report and prints its table, policy and sweep lines. Everything comes from
 * the results, summed over the items in manifest order, so a merged run prints what
 * one whole run does. */
static gboolean
report_split (const W2veeEvalRun *run, const W2veeEvalSplit *split, const char *out_dir,
    GString *wer_report, GError **error)
{
  guint n_items = split->results->len, i, e;
  g_autofree W2veeErrorCounts *counts = g_new0 (W2veeErrorCounts, run->n_exits);
  /* (n_items, n_exits) */
  g_autofree W2veeErrorCounts *item_counts = g_new0 (W2veeErrorCounts,
      (gsize) n_items * run->n_exits);
  g_autofree double *wer = g_new (double, run->n_exits);  /* (n_exits) */
  g_autoptr (GString) report = g_string_new (NULL);
  double audio_s = 0.0, infer_s = 0.0;

  for (i = 0; i < n_items; i++) {
    const W2veeEvalResult *r = &g_array_index (split->results, W2veeEvalResult, i);

    for (e = 0; e < run->n_exits; e++) {
      W2veeErrorCounts *one = &item_counts[i * run->n_exits + e];

      w2vee_error_counts_add (one, r->reference, r->hypotheses[e]);
      w2vee_error_counts_merge (&counts[e], one);
    }
    infer_s += r->infer_s;
    audio_s += (double) r->n_samples / W2VEE_SAMPLE_RATE;
    w2vee_report_append_item (report, r->file, r->reference, run->n_exits,
        run->layers, (const char *const *) r->hypotheses);
  }
  if (out_dir != NULL) {
    if (!write_split_file (out_dir, split->name, RESULTS_SUFFIX, report, error))
      return FALSE;
    if (run->entropy) {
      g_autoptr (GString) scores = w2vee_eval_scores_tsv (run, split, item_counts);

      if (!write_split_file (out_dir, split->name, SCORES_SUFFIX, scores, error))
        return FALSE;
    }
  }

  for (e = 0; e < run->n_exits; e++)
    wer[e] = w2vee_error_counts_wer (&counts[e]);
  w2vee_report_append_split (wer_report, split->name, run->n_exits, run->layers, wer);

  printf ("split=%s items=%u audio_s=%.2f infer_s=%.2f rtf=%.4f\n", split->name,
      n_items, audio_s, infer_s, audio_s > 0 ? infer_s / audio_s : 0.0);
  printf ("%4s %5s %8s %7s %7s\n", "exit", "layer", "gflop/s", "WER", "CER");
  for (e = 0; e < run->n_exits; e++)
    printf ("%4u %5u %8.3f %7.4f %7.4f\n", e + 1, run->layers[e], run->gflop[e], wer[e],
        w2vee_error_counts_cer (&counts[e]));
  w2vee_eval_print_policy (run, split, item_counts, audio_s);
  printf ("\n");
  fflush (stdout);
  return TRUE;
}

/* Scores the items of split @s that are this run's (all, or the shard's own); a whole
 * run then reports the split (report_split()). */
static gboolean
eval_split (Eval *self, guint s, GString *wer_report, GError **error)
{
  const EvalSplit *split = self->splits->pdata[s];
  W2veeEvalSplit *out = self->run->splits->pdata[s];
  g_autofree double *decode_s = g_new0 (double, self->n_exits);
  EvalTimes times = { .decode_s = decode_s };
  guint i, e;

  for (i = 0; i < split->items->len; i++) {
    if (self->shard_n > 0 && i % self->shard_n != self->shard_k - 1)
      continue;
    if (!eval_item (self, split, i, out, &times, error))
      return FALSE;
  }
  /* a shard prints its own items' table; its report is shard.json */
  if (!report_split (self->run, out, self->shard_n > 0 ? NULL : self->out_dir,
          wer_report, error))
    return FALSE;
  if (self->verbose) {
    for (e = 0; e < self->n_exits; e++)
      fprintf (stderr, "w2vee " COMMAND ": split=%s exit=%u decoder=%s decode_s=%.2f "
          "decode_rtf=%.5f forward_all_exits_rtf=%.5f\n", split->name, e + 1,
          times.decoder ? times.decoder : "none", decode_s[e],
          times.audio_s > 0 ? decode_s[e] / times.audio_s : 0.0,
          times.audio_s > 0 ? times.forward_s / times.audio_s : 0.0);
  }
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
check_options (Eval *self, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  guint i;
  int status;

  if (self->out_dir == NULL || self->out_dir[0] == '\0')
    return w2vee_tool_usage_error (COMMAND, "no -o OUTDIR given");
  if ((status = w2vee_tool_policy_parse (COMMAND, &self->policy)) >= 0)
    return status;
  if (self->sweep && self->policy.kind != W2VEE_TOOL_POLICY_CONFIDENCE)
    return w2vee_tool_usage_error (COMMAND,
        "--exit-sweep needs --exit-policy confidence");
  if (self->merge) {
    if (self->data_args != NULL || self->shard_arg != NULL || self->model_arg != NULL
        || self->dec.lm != NULL || self->dec.lexicon != NULL || self->entropy
        || self->policy.policy_arg != NULL)
      return w2vee_tool_usage_error (COMMAND, "--merge takes shard folders and -o "
          "only (the shards name the model, the decoder, the exit policy and the "
          "manifests)");
    if (argc < 2)
      return w2vee_tool_usage_error (COMMAND, "--merge needs the shard folders");
    return -1;
  }
  if (argc > 1)
    return w2vee_tool_usage_error (COMMAND, "unexpected argument '%s'", argv[1]);
  if (self->data_args == NULL || self->data_args[0] == NULL)
    return w2vee_tool_usage_error (COMMAND, "no -d NAME=MANIFEST given");
  if (self->threads != -1 && self->threads < 1)
    return w2vee_tool_usage_error (COMMAND, "-t takes a number of threads >= 1");
  if (self->shard_arg != NULL
      && !w2vee_shard_parse (self->shard_arg, &self->shard_k, &self->shard_n, &error))
    return w2vee_tool_usage_error (COMMAND, "%s", error->message);

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

/* SHA-256 of @path, or "none" when @path is NULL. */
static char *
digest_or_none (const char *path, GError **error)
{
  return path != NULL ? w2vee_shard_file_sha256 (path, error) : g_strdup ("none");
}

/* The decoder options of a shard's header: every beam-search parameter as used and the
 * digests of the LM, lexicon and tokens files (their paths may differ between
 * machines). NULL with @error naming an unreadable file. */
static char *
describe_decoder (const W2veeToolDecodeOptions *dec, GError **error)
{
  W2veeDecoderParams p;
  g_autofree char *lm_path = NULL, *lm = NULL, *lexicon = NULL, *tokens = NULL;
  char num[4][G_ASCII_DTOSTR_BUF_SIZE];

  if (dec->lm != NULL && (lm_path = w2vee_tool_lm_path (dec, error)) == NULL)
    return NULL;
  if ((lm = digest_or_none (lm_path, error)) == NULL
      || (lexicon = digest_or_none (dec->lexicon, error)) == NULL
      || (tokens = digest_or_none (dec->tokens, error)) == NULL)
    return NULL;
  w2vee_tool_decoder_params (dec, &p);
  return g_strdup_printf ("lm_sha256=%s lexicon_sha256=%s tokens_sha256=%s beam_size=%u "
      "beam_size_token=%u beam_threshold=%s lm_weight=%s word_score=%s unk_score=%s", lm,
      lexicon, tokens, p.beam_size, p.beam_size_token,
      g_ascii_dtostr (num[0], sizeof num[0], p.beam_threshold),
      g_ascii_dtostr (num[1], sizeof num[1], p.lm_weight),
      g_ascii_dtostr (num[2], sizeof num[2], p.word_score),
      g_ascii_dtostr (num[3], sizeof num[3], p.unk_score));
}

/* The header of self->run: exits, and for a shard what identifies the run (model and
 * manifest digests). */
static gboolean
describe_run (Eval *self, GError **error)
{
  W2veeEvalRun *run = self->run = w2vee_eval_run_new ();
  g_autofree char *real = NULL;
  guint i;

  run->decoder = g_strdup (self->decoder != NULL ? w2vee_decoder_name (self->decoder)
      : "ctc-greedy");
  run->decoder_options = g_strdup ("");
  run->policy = g_strdup (w2vee_tool_policy_name (self->policy.kind));
  run->policy_rule = g_strdup (self->policy.kind == W2VEE_TOOL_POLICY_CONFIDENCE
      ? w2vee_score_name (self->policy.rule) : "");
  run->policy_threshold = self->policy.kind != W2VEE_TOOL_POLICY_FIXED
      ? self->policy.threshold : 0.0;
  run->entropy = self->entropy;
  run->sweep = self->sweep;
  run->n_exits = self->n_exits;
  run->layers = g_memdup2 (self->layers, self->n_exits * sizeof (guint));
  run->gflop = g_new (double, self->n_exits);
  for (i = 0; i < self->n_exits; i++)
    run->gflop[i] = w2vee_model_gflop (self->model, i + 1, W2VEE_SAMPLE_RATE);
  run->shard = self->shard_k;
  run->n_shards = self->shard_n;
  for (i = 0; i < self->splits->len; i++) {
    const EvalSplit *split = self->splits->pdata[i];

    g_ptr_array_add (run->splits, w2vee_eval_split_new (split->name, split->manifest,
        split->items->len));
  }
  if (self->shard_n == 0)
    return TRUE;

  real = realpath (w2vee_model_path (self->model), NULL);
  run->model = g_strdup (real != NULL ? real : w2vee_model_path (self->model));
  run->model_sha256 = w2vee_shard_model_digest (run->model, error);
  if (run->model_sha256 == NULL)
    return FALSE;
  run->load_flags = w2vee_tool_load_flags ();  /* the digest covers the file read */
  for (i = 0; i < self->splits->len; i++) {
    W2veeEvalSplit *split = run->splits->pdata[i];

    split->manifest_sha256 = w2vee_shard_file_sha256 (split->manifest, error);
    if (split->manifest_sha256 == NULL)
      return FALSE;
  }
  if (self->decoder != NULL) {
    g_free (run->decoder_options);
    run->decoder_options = describe_decoder (&self->dec, error);
    if (run->decoder_options == NULL)
      return FALSE;
  }
  return TRUE;
}

/* Reads the manifests, makes OUTDIR and loads the model; returns an exit status or -1. */
static int
prepare (Eval *self)
{
  g_autoptr (GError) error = NULL;
  guint i;
  int status;

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
  if (!w2vee_tool_decoder_new (COMMAND, self->model, &self->dec, self->verbose,
          &self->decoder))
    return W2VEE_EXIT_RUNTIME;
  if ((status = w2vee_tool_policy_resolve (COMMAND, &self->policy, self->model)) >= 0)
    return status;
  if (!describe_run (self, &error)) {
    fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    return W2VEE_EXIT_RUNTIME;
  }
  return -1;
}

/* Writes OUTDIR/wer_results.txt; FALSE after printing the error. */
static gboolean
write_wer_results (const char *out_dir, const GString *wer_report)
{
  g_autofree char *path = g_build_filename (out_dir, WER_RESULTS, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, wer_report->str, wer_report->len, &error)) {
    fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    return FALSE;
  }
  return TRUE;
}

/* --merge DIR...: reports the whole run the shards in @dirs make; returns the exit
 * status. */
static int
merge (Eval *self, char **dirs, GString *wer_report)
{
  g_autoptr (GError) error = NULL;
  int status;
  guint i;

  self->run = w2vee_shard_merge (dirs, &status, &error);
  if (self->run == NULL) {
    fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    return status;
  }
  if (g_mkdir_with_parents (self->out_dir, 0777) != 0) {
    int errsv = errno;
    fprintf (stderr, "w2vee " COMMAND ": cannot write to %s: %s\n", self->out_dir,
        g_strerror (errsv));
    return W2VEE_EXIT_RUNTIME;
  }
  for (i = 0; i < self->run->splits->len; i++) {
    if (!report_split (self->run, self->run->splits->pdata[i], self->out_dir, wer_report,
            &error)) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      return W2VEE_EXIT_RUNTIME;
    }
  }
  if (!write_wer_results (self->out_dir, wer_report)
      || !w2vee_tool_flush_stdout (COMMAND))
    return W2VEE_EXIT_RUNTIME;
  return W2VEE_EXIT_OK;
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
    { "shard", 0, 0, G_OPTION_ARG_STRING, &self.shard_arg,
      "Run shard K of N: item i (0-based, manifest order) of every split when i mod N "
      "= K - 1; writes OUTDIR/" W2VEE_SHARD_FILE " for --merge", "K/N" },
    { "merge", 0, 0, G_OPTION_ARG_NONE, &self.merge,
      "Merge the shard folders given as arguments into OUTDIR: the same files and table "
      "as one whole run", NULL },
    W2VEE_TOOL_POLICY_ENTRIES (&self.policy),
    { "entropy", 0, 0, G_OPTION_ARG_NONE, &self.entropy,
      "Also write OUTDIR/NAME" SCORES_SUFFIX ": every item's confidence scores and error "
      "counts at every exit", NULL },
    { "exit-sweep", 0, 0, G_OPTION_ARG_NONE, &self.sweep,
      "Also print the confidence policy's WER and cost at thresholds 0, 0.02, ..., 1",
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) wer_report = g_string_new (NULL);
  int status;
  guint i;

  context = g_option_context_new ("[--merge SHARD_DIR...] - layerwise WER and CER of a "
      "model on manifests");
  g_option_context_add_main_entries (context, entries, NULL);
  w2vee_tool_add_load_options (context);
  w2vee_tool_decode_options_add (context, &self.dec);
  w2vee_tool_add_session_options (context);
  g_option_context_set_description (context,
      "MANIFEST lines are \"path<TAB>transcript\", the path relative to the current\n"
      "directory. Each item runs through the encoder in one forward pass (at most "
      G_STRINGIFY (W2VEE_TOOL_MAX_PASS_SECONDS) " s)\n"
      "and every exit is decoded. WER and CER are corpus-level, on lower-cased text.\n"
      "Writes OUTDIR/" WER_RESULTS " and OUTDIR/NAME" RESULTS_SUFFIX "; prints per split:\n"
      "  split=NAME items=N audio_s=S infer_s=S rtf=X\n"
      "  exit layer gflop/s WER CER        (then one row per exit)\n"
      "  policy=P threshold=T WER=x CER=y gflop/s=z mean_layer=L   (--exit-policy)\n"
      "  sweep policy=confidence rule=R threshold=T WER=x ...      (--exit-sweep)\n"
      "and a blank line. See docs/cli.md.\n"
      W2VEE_TOOL_DECODE_HELP
      "\n"
      "Examples:\n"
      "  w2vee eval -d test=test.tsv -o results\n"
      "  w2vee eval --lm default -d test=test.tsv -o results-lm\n"
      "  w2vee eval -m MODEL_DIR -d clean=clean.tsv -d other=other.tsv -o results\n"
      "  w2vee eval -d test=test.tsv --shard 2/3 -o shards/2     (docs/scaling.md)\n"
      "  w2vee eval --merge shards/1 shards/2 shards/3 -o results\n"
      "\n"
      "Exit status: 0 success, 1 runtime error (model, manifest, audio, unreadable\n"
      "shard), 2 usage error, " G_STRINGIFY (W2VEE_EXIT_SHARDS) " the shards given to "
      "--merge are not one whole run (of\n"
      "different runs, a shard missing or unfinished, a shard given twice).");
  status = w2vee_tool_parse_options (COMMAND, context, &argc, &argv, TRUE);
  if (status < 0)
    status = check_options (&self, argc, argv);
  if (status < 0)
    status = w2vee_tool_decode_options_check (COMMAND, &self.dec);
  if (status < 0 && self.merge)
    status = merge (&self, argv + 1, wer_report);
  if (status < 0)
    status = prepare (&self);
  if (status >= 0)
    goto out;

  status = W2VEE_EXIT_RUNTIME;
  for (i = 0; i < self.splits->len; i++) {
    if (!eval_split (&self, i, wer_report, &error)) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      goto out;
    }
  }
  if (self.shard_n > 0) {
    if (!w2vee_shard_write (self.run, self.out_dir, &error)) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      goto out;
    }
    status = w2vee_tool_flush_stdout (COMMAND) ? W2VEE_EXIT_OK : W2VEE_EXIT_RUNTIME;
    goto out;
  }
  if (!write_wer_results (self.out_dir, wer_report))
    goto out;
  if (!w2vee_tool_flush_stdout (COMMAND))
    goto out;
  status = W2VEE_EXIT_OK;

out:
  eval_clear (&self);
  return status;
}
