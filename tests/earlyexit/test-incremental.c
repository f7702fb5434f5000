/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The incremental forward (w2vee_session_begin/advance) against the one-shot
 * w2vee_session_run(): bit-identical logits at every exit, every layer computed once;
 * the confidence policy's run against the pick from a full run's scores; the deadline
 * policy with injected costs.
 *
 * Usage: test-incremental MODEL_DIR CLIP.f32 [GTest options]
 */
#include "w2vee/w2vee.h"

#include <math.h>
#include <string.h>

static W2veeModel *model;
static const float *clip;   /* (n_clip) */
static gsize n_clip;

static W2veeSession *
new_session (void)
{
  W2veeSessionParams params = w2vee_session_default_params ();
  g_autoptr (GError) error = NULL;
  W2veeSession *s;

  params.n_threads = 2;
  params.max_samples = n_clip;
  s = w2vee_session_new (model, &params, &error);
  g_assert_no_error (error);
  return s;
}

/* Copies the logits of exits 1..@last (each (T, V)) into one block. */
static float *
copy_logits (W2veeSession *s, guint last, gsize *size)
{
  gsize T = 0, V = w2vee_model_vocab_size (model), rows;
  float *out;
  guint e;

  w2vee_session_logits (s, 1, &T);
  rows = MAX (T, 1) * V;
  out = g_new0 (float, rows * last);
  for (e = 1; e <= last; e++) {
    const float *l = w2vee_session_logits (s, e, NULL);

    g_assert_nonnull (l);
    memcpy (out + (e - 1) * rows, l, T * V * sizeof (float));
  }
  *size = rows * last * sizeof (float);
  return out;
}

/* For every deepest exit: run vs. begin + advance one exit at a time, and vs. begin +
 * one jump; refusals of going back and of advancing nothing. */
static void
test_incremental (void)
{
  g_autoptr (W2veeSession) one = new_session ();
  g_autoptr (W2veeSession) inc = new_session ();
  guint n = w2vee_model_n_exits (model), last, e;

  for (last = 1; last <= n; last++) {
    g_autoptr (GError) error = NULL;
    g_autofree float *ref = NULL, *got = NULL, *jumped = NULL;
    gsize ref_size, got_size, jumped_size;
    guint64 count0;
    guint top = w2vee_model_exit_layer (model, last);

    g_assert_true (w2vee_session_run (one, clip, n_clip, last, &error));
    g_assert_no_error (error);
    ref = copy_logits (one, last, &ref_size);

    count0 = w2vee_session_layer_count (inc);
    g_assert_true (w2vee_session_begin (inc, clip, n_clip, &error));
    g_assert_cmpuint (w2vee_session_last_layer (inc), ==, 0);
    g_assert_cmpuint (w2vee_session_last_exit (inc), ==, 0);
    g_assert_null (w2vee_session_logits (inc, 1, NULL));
    for (e = 1; e <= last; e++) {
      g_assert_true (w2vee_session_advance (inc, e, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (w2vee_session_last_exit (inc), ==, e);
      g_assert_cmpuint (w2vee_session_last_layer (inc), ==,
          w2vee_model_exit_layer (model, e));
      /* no layer twice: the counter grew by exactly the layers reached */
      g_assert_cmpuint (w2vee_session_layer_count (inc) - count0, ==,
          w2vee_model_exit_layer (model, e));
      g_assert_false (isnan (w2vee_session_exit_score (inc, e,
                  W2VEE_SCORE_NONBLANK_POSTERIOR)));
      if (e < n)
        g_assert_true (isnan (w2vee_session_exit_score (inc, e + 1,
                    W2VEE_SCORE_NONBLANK_POSTERIOR)));
    }
    got = copy_logits (inc, last, &got_size);
    g_assert_cmpuint (got_size, ==, ref_size);
    g_assert_cmpint (memcmp (got, ref, ref_size), ==, 0);

    /* the same exit again computes nothing; a shallower one is refused */
    g_assert_true (w2vee_session_advance (inc, last, &error));
    g_assert_cmpuint (w2vee_session_layer_count (inc) - count0, ==, top);
    if (last > 1) {
      g_assert_false (w2vee_session_advance (inc, last - 1, &error));
      g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_cmpuint (w2vee_session_last_exit (inc), ==, last);
      g_assert_cmpuint (w2vee_session_layer_count (inc) - count0, ==, top);
    }

    /* one jump to the exit gives the same logits and layers */
    count0 = w2vee_session_layer_count (inc);
    g_assert_true (w2vee_session_begin (inc, clip, n_clip, &error));
    g_assert_true (w2vee_session_advance (inc, last, &error));
    g_assert_cmpuint (w2vee_session_layer_count (inc) - count0, ==, top);
    jumped = copy_logits (inc, last, &jumped_size);
    g_assert_cmpint (memcmp (jumped, ref, ref_size), ==, 0);
  }
}

static void
test_refusals (void)
{
  g_autoptr (W2veeSession) s = new_session ();
  g_autoptr (GError) error = NULL;
  guint n = w2vee_model_n_exits (model);

  g_assert_false (w2vee_session_advance (s, 1, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (w2vee_session_begin (s, clip, n_clip, &error));
  g_assert_false (w2vee_session_advance (s, n + 1, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (w2vee_session_advance (s, 0, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (w2vee_session_begin (s, clip, n_clip + 1, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* a failed begin leaves nothing to advance */
  g_assert_false (w2vee_session_advance (s, 1, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
}

/* run_confident stops where w2vee_exit_policy_pick() over a full run's scores does,
 * having computed exactly that exit's layers, for every rule and several thresholds. */
static void
test_confident (void)
{
  g_autoptr (W2veeSession) s = new_session ();
  guint n = w2vee_model_n_exits (model), r, k, e;
  double thresholds[] = { 0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0 };

  for (r = 0; r < W2VEE_N_SCORES; r++) {
    double scores[64];
    g_autoptr (GError) error = NULL;

    g_assert_true (w2vee_session_run (s, clip, n_clip, n, &error));
    for (e = 1; e <= n; e++)
      scores[e - 1] = w2vee_session_exit_score (s, e, (W2veeScore) r);
    for (k = 0; k < G_N_ELEMENTS (thresholds); k++) {
      guint64 count0 = w2vee_session_layer_count (s);
      guint chosen = 0, expected = w2vee_exit_policy_pick (scores, n, thresholds[k]);

      g_assert_true (w2vee_session_run_confident (s, clip, n_clip, (W2veeScore) r,
              thresholds[k], n, &chosen, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (chosen, ==, expected);
      g_assert_cmpuint (w2vee_session_last_exit (s), ==, chosen);
      g_assert_cmpuint (w2vee_session_layer_count (s) - count0, ==,
          w2vee_model_exit_layer (model, chosen));
    }
    /* never deeper than max_exit */
    {
      guint chosen = 0;

      g_assert_true (w2vee_session_run_confident (s, clip, n_clip, (W2veeScore) r, 2.0,
              1, &chosen, &error));
      g_assert_cmpuint (chosen, ==, 1);
    }
  }
}

/* The deadline policy on injected costs: the deepest exit whose begin + layers fit. */
static void
test_deadline (void)
{
  g_autoptr (W2veeSession) s = new_session ();
  g_autoptr (GError) error = NULL;
  guint n = w2vee_model_n_exits (model), L = w2vee_model_n_layers (model), e, l;
  g_autofree double *costs = g_new (double, L);
  g_autofree double *measured = g_new (double, L);
  double begin, measured_begin;
  gsize two_s = 2 * W2VEE_SAMPLE_RATE;

  /* the prior, before any run: positive, and monotone in the exit */
  w2vee_session_get_cost_model (s, &begin, costs);
  g_assert_cmpfloat (begin, >, 0.0);
  for (l = 0; l < L; l++)
    g_assert_cmpfloat (costs[l], >, 0.0);
  g_assert_cmpuint (w2vee_session_deepest_exit_within (s, two_s, 1e9), ==, n);
  g_assert_cmpuint (w2vee_session_deepest_exit_within (s, two_s, 0.0), ==, 1);

  /* injected: begin 0.1 s and layer l (1-based) 0.01·l s per second of audio */
  for (l = 0; l < L; l++)
    costs[l] = 0.01 * (l + 1);
  w2vee_session_set_cost_model (s, 0.1, costs);
  for (e = 1; e <= n; e++) {
    guint top = w2vee_model_exit_layer (model, e);
    double need = 2.0 * (0.1 + 0.01 * top * (top + 1) / 2.0);

    g_assert_cmpfloat_with_epsilon (w2vee_session_predict_seconds (s, two_s, e), need,
        1e-12);
    /* just enough: this exit; just short: the one before (or 1) */
    g_assert_cmpuint (w2vee_session_deepest_exit_within (s, two_s, need + 1e-9), ==, e);
    g_assert_cmpuint (w2vee_session_deepest_exit_within (s, two_s, need - 1e-9), ==,
        MAX (e, 2) - 1);
    /* half the audio fits in half the budget */
    g_assert_cmpuint (w2vee_session_deepest_exit_within (s, two_s / 2, need / 2 + 1e-9),
        ==, e);
  }

  /* timings fold in: after runs to the deepest exit every cost has moved */
  g_assert_true (w2vee_session_run (s, clip, n_clip, n, &error));
  w2vee_session_get_cost_model (s, &measured_begin, measured);
  g_assert_cmpfloat (measured_begin, !=, 0.1);
  g_assert_cmpfloat (measured_begin, >, 0.0);
  for (l = 0; l < w2vee_model_exit_layer (model, n); l++) {
    g_assert_cmpfloat (measured[l], !=, costs[l]);
    g_assert_cmpfloat (measured[l], >, 0.0);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = NULL;
  gsize len;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (argc != 3) {
    g_printerr ("usage: %s MODEL_DIR CLIP.f32\n", argv[0]);
    return 2;
  }
  model = w2vee_model_load (argv[1], &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (argv[2], &raw, &len, &error));
  clip = (const float *) raw;
  n_clip = len / sizeof (float);

  g_test_add_func ("/engine/incremental/matches-run", test_incremental);
  g_test_add_func ("/engine/incremental/refusals", test_refusals);
  g_test_add_func ("/engine/policy/confidence", test_confident);
  g_test_add_func ("/engine/policy/deadline", test_deadline);
  status = g_test_run ();
  w2vee_model_unref (model);
  return status;
}
