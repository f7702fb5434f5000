/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Reduced precision against float32: the same model and clip run by a float32
 * OpenBLAS session (held to PyTorch's logits by test-parity) and by a oneDNN session of
 * the precision under test; per exit, the fraction of frames whose argmax differs and the largest
 * logit difference relative to max |fp32 logit|, which must stay within the bounds
 * given on the command line.
 *
 *   test-precision MODEL_DIR CLIP.f32 PRECISION MAX_FLIP_FRACTION MAX_REL_DIFF [REPEAT]
 *
 * REPEAT (default 1) runs the clip tiled that many times, so that the row chunks of the
 * oneDNN layers (256 rows and a smaller bucket per team member) all occur.
 *
 * Shapes legend: T = frames, V = vocabulary size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "w2vee/w2vee.h"

static gsize
argmax_row (const float *row, gsize V)
{
  gsize best = 0;

  for (gsize v = 1; v < V; v++)
    if (row[v] > row[best])
      best = v;
  return best;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = NULL;
  g_autoptr (W2veeSession) ref = NULL, low = NULL;
  g_autofree char *raw = NULL;
  W2veeSessionParams params = w2vee_session_default_params ();
  gsize len, n, V, repeat = 1, r;
  g_autofree float *input = NULL;
  guint n_exits, e;
  double max_flips, max_rel;
  int failures = 0;

  if (argc != 6 && argc != 7) {
    fprintf (stderr, "usage: %s MODEL_DIR CLIP.f32 fp32|bf16|int8 MAX_FLIP_FRACTION "
        "MAX_REL_DIFF [REPEAT]\n", argv[0]);
    return 2;
  }
  if (argc == 7 && ((repeat = g_ascii_strtoull (argv[6], NULL, 10)) < 1 || repeat > 64)) {
    fprintf (stderr, "%s: REPEAT must be 1 to 64\n", argv[6]);
    return 2;
  }
  max_flips = g_ascii_strtod (argv[4], NULL);
  max_rel = g_ascii_strtod (argv[5], NULL);
  model = w2vee_model_load (argv[1], &error);
  if (model == NULL || !g_file_get_contents (argv[2], &raw, &len, &error)) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  n = len / sizeof (float) * repeat;
  input = g_new (float, MAX (n, 1));
  for (r = 0; r < repeat; r++)
    memcpy (input + r * (n / repeat), raw, n / repeat * sizeof (float));
  n_exits = w2vee_model_n_exits (model);
  V = w2vee_model_vocab_size (model);
  params.max_samples = n;
  params.compute = W2VEE_COMPUTE_OPENBLAS;
  ref = w2vee_session_new (model, &params, &error);
  g_assert_no_error (error);
  if (g_str_equal (argv[3], "bf16")) {
    params.precision = W2VEE_PRECISION_BF16;
  } else if (g_str_equal (argv[3], "int8")) {
    params.precision = W2VEE_PRECISION_INT8;
  } else if (!g_str_equal (argv[3], "fp32")) {
    fprintf (stderr, "%s: unknown precision (fp32, bf16 or int8)\n", argv[3]);
    return 2;
  }
  params.compute = W2VEE_COMPUTE_DNNL;
  low = w2vee_session_new (model, &params, &error);
  g_assert_no_error (error);
  g_assert_true (w2vee_session_run (ref, input, n, n_exits, &error));
  g_assert_true (w2vee_session_run (low, input, n, n_exits, &error));

  for (e = 1; e <= n_exits; e++) {
    gsize T, T2, t, flips = 0;
    const float *a = w2vee_session_logits (ref, e, &T);
    const float *b = w2vee_session_logits (low, e, &T2);
    double maxabs = 0.0, maxref = 0.0, frac, rel;

    g_assert_cmpuint (T, ==, T2);
    for (t = 0; t < T; t++) {
      flips += argmax_row (a + t * V, V) != argmax_row (b + t * V, V);
      for (gsize v = 0; v < V; v++) {
        maxabs = MAX (maxabs, fabs ((double) a[t * V + v] - b[t * V + v]));
        maxref = MAX (maxref, fabs (a[t * V + v]));
      }
    }
    frac = T ? (double) flips / T : 0.0;
    rel = maxabs / MAX (1.0, maxref);
    printf ("precision=%s exit=%u layer=%u frames=%" G_GSIZE_FORMAT " argmax_changed=%"
        G_GSIZE_FORMAT " (%.4f) maxabs=%.3g rel=%.3g %s\n", argv[3], e,
        w2vee_model_exit_layer (model, e), T, flips, frac, maxabs, rel,
        frac <= max_flips && rel <= max_rel ? "ok" : "FAIL");
    failures += !(frac <= max_flips && rel <= max_rel);
  }
  return failures ? 1 : 0;
}
