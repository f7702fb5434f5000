/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The policy and sweep lines and NAME_scores.tsv of `w2vee eval` (eval-report.h). */
#include "eval-report.h"

#include <stdio.h>

#include "w2vee/w2vee.h"

/* --exit-sweep: thresholds 0, SWEEP_STEP, ..., 1 */
#define SWEEP_STEP 0.02

GString *
w2vee_eval_scores_tsv (const W2veeEvalRun *run, const W2veeEvalSplit *split,
    const W2veeErrorCounts *counts)
{
  GString *out = g_string_new ("file\tsamples\texit\tlayer\tgflop");
  guint i, e, r;

  for (r = 0; r < W2VEE_N_SCORES; r++)
    g_string_append_printf (out, "\t%s", w2vee_score_name ((W2veeScore) r));
  g_string_append (out, "\tword_errors\tref_words\tchar_errors\tref_chars\n");
  for (i = 0; i < split->results->len; i++) {
    const W2veeEvalResult *res = &g_array_index (split->results, W2veeEvalResult, i);

    for (e = 0; e < run->n_exits; e++) {
      const W2veeErrorCounts *one = &counts[i * run->n_exits + e];

      g_string_append_printf (out, "%s\t%" G_GUINT64_FORMAT "\t%u\t%u\t%.6f", res->file,
          res->n_samples, e + 1, run->layers[e], res->gflop[e]);
      for (r = 0; r < W2VEE_N_SCORES; r++)
        g_string_append_printf (out, "\t%.6f", res->scores[e * W2VEE_N_SCORES + r]);
      g_string_append_printf (out, "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%"
          G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\n", one->word_errors, one->ref_words,
          one->char_errors, one->ref_chars);
    }
  }
  return out;
}

/* The sweep lines: the confidence policy at every threshold, each item stopping at the
 * first exit whose score (under @rule) reaches it. */
static void
print_sweep (const W2veeEvalRun *run, const W2veeEvalSplit *split, W2veeScore rule,
    const W2veeErrorCounts *counts, double audio_s)
{
  guint n_items = split->results->len, i, e, k, n_steps = (guint) (1.0 / SWEEP_STEP + 0.5);
  g_autofree double *scores = g_new (double, run->n_exits);  /* (n_exits) one item's */

  for (k = 0; k <= n_steps; k++) {
    double threshold = k * SWEEP_STEP, gflop = 0.0;
    W2veeErrorCounts sum = { 0 };
    guint64 layers = 0;

    for (i = 0; i < n_items; i++) {
      const W2veeEvalResult *res = &g_array_index (split->results, W2veeEvalResult, i);
      guint pick;

      for (e = 0; e < run->n_exits; e++)
        scores[e] = res->scores[e * W2VEE_N_SCORES + rule];
      pick = w2vee_exit_policy_pick (scores, run->n_exits, threshold);
      w2vee_error_counts_merge (&sum, &counts[i * run->n_exits + pick - 1]);
      gflop += res->gflop[pick - 1];
      layers += run->layers[pick - 1];
    }
    printf ("sweep policy=confidence rule=%s threshold=%.2f WER=%.4f CER=%.4f "
        "gflop/s=%.4f mean_layer=%.2f\n", w2vee_score_name (rule), threshold,
        w2vee_error_counts_wer (&sum), w2vee_error_counts_cer (&sum),
        audio_s > 0 ? gflop / audio_s : 0.0, (double) layers / n_items);
  }
}

void
w2vee_eval_print_policy (const W2veeEvalRun *run, const W2veeEvalSplit *split,
    const W2veeErrorCounts *counts, double audio_s)
{
  guint n_items = split->results->len, i;
  W2veeScore rule = W2VEE_SCORE_AGREEMENT;

  if (g_strcmp0 (run->policy, "fixed") != 0) {
    W2veeErrorCounts sum = { 0 };
    double gflop = 0.0;
    guint64 layers = 0;

    for (i = 0; i < n_items; i++) {
      const W2veeEvalResult *res = &g_array_index (split->results, W2veeEvalResult, i);

      w2vee_error_counts_add (&sum, res->reference, res->policy_hypothesis);
      gflop += res->policy_gflop;
      layers += res->policy_layers;
    }
    /* the policy's cost is what its runs computed: GFLOP per second of audio */
    printf ("policy=%s threshold=%g WER=%.4f CER=%.4f gflop/s=%.4f mean_layer=%.2f\n",
        run->policy, run->policy_threshold, w2vee_error_counts_wer (&sum),
        w2vee_error_counts_cer (&sum), audio_s > 0 ? gflop / audio_s : 0.0,
        (double) layers / n_items);
  }
  if (run->sweep && w2vee_score_from_name (run->policy_rule, &rule))
    print_sweep (run, split, rule, counts, audio_s);
}
