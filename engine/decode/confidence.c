/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Confidence of one exit's logits (the W2veeScore rules) and the confidence policy of
 * early exit: stop at the first exit that is sure enough (docs/early-exit.md).
 *
 * Shapes legend: T = frames, V = vocabulary size. logits are (T, V).
 */
#include "model.h"

#include <math.h>
#include <string.h>

static const char *const score_names[W2VEE_N_SCORES] = {
  [W2VEE_SCORE_MEAN_ENTROPY] = "mean-entropy",
  [W2VEE_SCORE_NONBLANK_ENTROPY] = "nonblank-entropy",
  [W2VEE_SCORE_NONBLANK_POSTERIOR] = "nonblank-posterior",
  [W2VEE_SCORE_WORD_MIN] = "word-min",
  [W2VEE_SCORE_AGREEMENT] = "agreement",
};

const char *
w2vee_score_name (W2veeScore rule)
{
  return (guint) rule < W2VEE_N_SCORES ? score_names[rule] : NULL;
}

gboolean
w2vee_score_from_name (const char *name, W2veeScore *rule)
{
  guint i;

  g_return_val_if_fail (name != NULL && rule != NULL, FALSE);
  for (i = 0; i < W2VEE_N_SCORES; i++) {
    if (strcmp (name, score_names[i]) == 0) {
      *rule = (W2veeScore) i;
      return TRUE;
    }
  }
  return FALSE;
}

/* Sums over the frames of one exit that every rule is made of. */
typedef struct {
  double entropy_all, entropy_nonblank; /* sums of entropy / ln V */
  double post_all, post_nonblank;       /* sums of the max posterior */
  gsize n_nonblank;
  double word_min;                      /* lowest word confidence so far, or 2 (none) */
} Sums;

/* The word being spelled: frames first..last, prefix sums of the max posterior. */
typedef struct {
  gboolean open;
  gsize first, last;
  double cum_before_first, cum_through_last;
} Word;

static void
word_close (Word *w, Sums *sums)
{
  if (!w->open)
    return;
  sums->word_min = MIN (sums->word_min, (w->cum_through_last - w->cum_before_first)
      / (double) (w->last - w->first + 1));
  w->open = FALSE;
}

/* Index of the largest of @row's @V values (the first of equals, as decoding takes). */
static gsize
row_argmax (const float *row, gsize V)
{
  gsize best = 0, v;

  for (v = 1; v < V; v++)
    if (row[v] > row[best])
      best = v;
  return best;
}

/* Walks the frames as w2vee_ctc_greedy() does (argmax, repeats, blank, specials and the
 * word delimiter), so that a word here is a word of its transcript. */
static void
score_sums (const W2veeModel *m, const float *logits, gsize T, Sums *sums)
{
  gsize V = m->cfg.vocab_size, t, v;
  double log_v = log ((double) MAX (V, 2)), cum = 0.0;
  Word w = { FALSE, 0, 0, 0.0, 0.0 };
  gint prev = -1;

  memset (sums, 0, sizeof (*sums));
  sums->word_min = 2.0;
  for (t = 0; t < T; t++) {
    const float *row = logits + t * V;
    gsize best = row_argmax (row, V);
    double z = 0.0, zx = 0.0, post, entropy;

    /* with d_v = row[v] - max: p_v = e^d_v / z, H = ln z - Σ e^d_v d_v / z */
    for (v = 0; v < V; v++) {
      double d = (double) row[v] - row[best], e = exp (d);

      z += e;
      zx += e * d;
    }
    post = 1.0 / z;
    entropy = MAX (log (z) - zx / z, 0.0) / log_v;
    cum += post;
    sums->entropy_all += entropy;
    sums->post_all += post;
    if (best != m->cfg.pad_token_id) {
      sums->entropy_nonblank += entropy;
      sums->post_nonblank += post;
      sums->n_nonblank++;
    }

    if ((gint) best == prev) {
      if (w.open && best != m->cfg.pad_token_id && (gint) best != m->word_delimiter_id
          && !m->is_special[best]) {
        w.last = t;
        w.cum_through_last = cum;
      }
    } else if (best == m->cfg.pad_token_id || m->is_special[best]) {
      /* separates repeats, adds nothing */
    } else if ((gint) best == m->word_delimiter_id) {
      word_close (&w, sums);
    } else {
      if (!w.open) {
        w.open = TRUE;
        w.first = t;
        w.cum_before_first = cum - post;
      }
      w.last = t;
      w.cum_through_last = cum;
    }
    prev = (gint) best;
  }
  word_close (&w, sums);
}

double
w2vee_ctc_score (const W2veeModel *m, const float *logits, gsize T, W2veeScore rule)
{
  Sums sums;
  gboolean nonblank;

  g_return_val_if_fail (m != NULL, 0.0);
  g_return_val_if_fail (logits != NULL || T == 0, 0.0);
  g_return_val_if_fail ((guint) rule < W2VEE_N_SCORES, 0.0);
  if (rule == W2VEE_SCORE_AGREEMENT)
    return NAN;
  if (T == 0)
    return 1.0;
  score_sums (m, logits, T, &sums);
  nonblank = sums.n_nonblank > 0;

  switch (rule) {
    case W2VEE_SCORE_MEAN_ENTROPY:
      return 1.0 - sums.entropy_all / (double) T;
    case W2VEE_SCORE_NONBLANK_ENTROPY:
      return 1.0 - (nonblank ? sums.entropy_nonblank / (double) sums.n_nonblank
          : sums.entropy_all / (double) T);
    case W2VEE_SCORE_NONBLANK_POSTERIOR:
      return nonblank ? sums.post_nonblank / (double) sums.n_nonblank
          : sums.post_all / (double) T;
    case W2VEE_SCORE_WORD_MIN:
      return sums.word_min <= 1.0 ? sums.word_min : sums.post_all / (double) T;
    default:
      return 0.0;
  }
}

double
w2vee_ctc_agreement (const W2veeModel *m, const float *previous, const float *logits,
    gsize T)
{
  gsize V, t, counted = 0, same = 0;

  g_return_val_if_fail (m != NULL, 0.0);
  g_return_val_if_fail ((previous != NULL && logits != NULL) || T == 0, 0.0);
  V = m->cfg.vocab_size;
  for (t = 0; t < T; t++) {
    gsize a = row_argmax (previous + t * V, V), b = row_argmax (logits + t * V, V);

    if (a == m->cfg.pad_token_id && b == m->cfg.pad_token_id)
      continue;
    counted++;
    same += a == b;
  }
  return counted ? (double) same / (double) counted : 1.0;
}

double
w2vee_session_exit_score (const W2veeSession *s, guint exit, W2veeScore rule)
{
  gsize T;
  const float *logits;

  g_return_val_if_fail (s != NULL, NAN);
  if (exit < 1 || exit > w2vee_session_last_exit (s))
    return NAN;
  logits = w2vee_session_logits (s, exit, &T);
  if (rule == W2VEE_SCORE_AGREEMENT)
    return exit == 1 ? 0.0 : w2vee_ctc_agreement (w2vee_session_get_model (
            (W2veeSession *) s), w2vee_session_logits (s, exit - 1, NULL), logits, T);
  return w2vee_ctc_score (w2vee_session_get_model ((W2veeSession *) s), logits, T, rule);
}

guint
w2vee_exit_policy_pick (const double *scores, guint n, double threshold)
{
  guint e;

  g_return_val_if_fail (scores != NULL || n == 0, 0);
  for (e = 1; e < n; e++) {
    if (scores[e - 1] >= threshold)
      return e;
  }
  return n;
}

gboolean
w2vee_session_run_confident (W2veeSession *s, const float *samples, gsize n,
    W2veeScore rule, double threshold, guint max_exit, guint *exit, GError **error)
{
  const W2veeModel *m;
  guint e;

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail ((guint) rule < W2VEE_N_SCORES, FALSE);
  m = w2vee_session_get_model (s);
  if (max_exit < 1 || max_exit > w2vee_model_n_exits (m)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "exit %u is out of range: the model at %s has exits 1..%u", max_exit,
        w2vee_model_path (m), w2vee_model_n_exits (m));
    return FALSE;
  }
  if (!w2vee_session_begin (s, samples, n, error))
    return FALSE;
  for (e = 1; e <= max_exit; e++) {
    if (!w2vee_session_advance (s, e, error))
      return FALSE;
    if (e == max_exit || w2vee_session_exit_score (s, e, rule) >= threshold)
      break;
  }
  if (exit)
    *exit = e;
  return TRUE;
}
