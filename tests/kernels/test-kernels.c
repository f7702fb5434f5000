/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The sgemm-based kernels against their reference twins (w2vee_conv1d_ref: plain
 * loops) and closed forms (the PyTorch comparison is the parity test; this one pins
 * down the strided-view tricks in isolation). */
#include "compute/kernels.h"

#include <math.h>
#include <string.h>

typedef struct {
  gsize C, S, K, OC, T_out;
} ConvCase;

static const ConvCase conv_cases[] = {
  { 1, 5, 10, 16, 37 },   /* base conv layer 0: taps split in two chunks */
  { 8, 2, 3, 12, 21 },    /* K > S, K not a multiple of S */
  { 8, 2, 2, 12, 21 },    /* K == S */
  { 6, 4, 3, 5, 9 },      /* K < S */
  { 3, 1, 7, 4, 11 },     /* stride 1: one tap per sgemm */
  { 4, 3, 9, 7, 1 },      /* a single output frame */
};

static float
rnd (guint32 *state)
{
  *state = *state * 1664525u + 1013904223u;
  return (float) ((*state >> 8) / (double) (1 << 24)) * 2.0f - 1.0f;
}

static void
test_conv (gconstpointer data)
{
  const ConvCase *c = data;
  gsize T_in = (c->T_out - 1) * c->S + c->K, i;
  g_autofree float *in = g_new (float, T_in * c->C);
  g_autofree float *w = g_new (float, c->OC * c->K * c->C);
  g_autofree float *fast = g_new (float, c->T_out * c->OC);
  g_autofree float *ref = g_new (float, c->T_out * c->OC);
  guint32 seed = 42;
  float maxabs = 0.0f;

  for (i = 0; i < T_in * c->C; i++)
    in[i] = rnd (&seed);
  for (i = 0; i < c->OC * c->K * c->C; i++)
    w[i] = rnd (&seed);
  w2vee_conv1d (in, c->C, c->S, w, c->K, c->OC, fast, c->T_out);
  w2vee_conv1d_ref (in, c->C, c->S, w, c->K, c->OC, ref, c->T_out);
  for (i = 0; i < c->T_out * c->OC; i++)
    maxabs = MAX (maxabs, fabsf (fast[i] - ref[i]));
  g_test_message ("C=%zu S=%zu K=%zu: max |sgemm - ref| = %g (tol 1e-5)", c->C, c->S,
      c->K, maxabs);
  g_assert_cmpfloat (maxabs, <=, 1e-5f);
}

/* Winograd F(2,2) kernel-3 stride-2 conv against w2vee_conv1d_ref, odd and even T_out. */
static void
test_conv_k3s2 (void)
{
  static const gsize T_outs[] = { 1, 2, 3, 8, 33 };
  gsize C = 24, OC = 20, i, j;

  for (j = 0; j < G_N_ELEMENTS (T_outs); j++) {
    gsize T_out = T_outs[j], T_in = 2 * T_out + 1, P = T_out / 2 + 1;
    g_autofree float *in = g_new (float, T_in * C);
    g_autofree float *w = g_new (float, OC * 3 * C);
    g_autofree float *w02 = g_new (float, OC * C);
    g_autofree float *fast = g_new (float, T_out * OC);
    g_autofree float *ref = g_new (float, T_out * OC);
    g_autofree float *d1 = g_new (float, P * C), *d3 = g_new (float, P * C);
    g_autofree float *m2 = g_new (float, P * OC);
    guint32 seed = 7;
    float maxabs = 0.0f;

    for (i = 0; i < T_in * C; i++)
      in[i] = rnd (&seed);
    for (i = 0; i < OC * 3 * C; i++)
      w[i] = rnd (&seed);
    for (i = 0; i < OC * C; i++)
      w02[i] = w[(i / C * 3) * C + i % C] + w[(i / C * 3 + 2) * C + i % C];
    w2vee_conv1d_k3s2 (in, C, w, w02, OC, fast, T_out, d1, d3, m2);
    w2vee_conv1d_ref (in, C, 2, w, 3, OC, ref, T_out);
    for (i = 0; i < T_out * OC; i++)
      maxabs = MAX (maxabs, fabsf (fast[i] - ref[i]));
    g_test_message ("k3s2 Winograd T_out=%zu: max |fast - ref| = %g (tol 1e-5)", T_out,
        maxabs);
    g_assert_cmpfloat (maxabs, <=, 1e-5f);
  }
}

static void
test_layer_norm (void)
{
  float x[2 * 5] = { 1, 2, 3, 4, 5, -1, 0.5f, 0.25f, 8, -3 };
  float g[5] = { 1, 2, 0.5f, -1, 1 }, b[5] = { 0, 1, 0, 0.5f, -1 };
  float y[2 * 5];
  gsize t, c;

  w2vee_layer_norm (x, 2, 5, 5, g, b, 1e-5f, y, 5);
  for (t = 0; t < 2; t++) {
    double mean = 0, var = 0;

    for (c = 0; c < 5; c++)
      mean += x[t * 5 + c] / 5.0;
    for (c = 0; c < 5; c++)
      var += (x[t * 5 + c] - mean) * (x[t * 5 + c] - mean) / 5.0;
    for (c = 0; c < 5; c++) {
      double ref = (x[t * 5 + c] - mean) / sqrt (var + 1e-5) * g[c] + b[c];

      g_assert_cmpfloat_with_epsilon (y[t * 5 + c], ref, 1e-5);
    }
  }
}

static void
test_softmax_gelu (void)
{
  float s[3] = { 1000.0f, 1001.0f, 999.0f };
  double z = 1 + exp (1) + exp (-1);

  w2vee_softmax_rows (s, 1, 3, 3);
  g_assert_cmpfloat_with_epsilon (s[0], 1 / z, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[1], exp (1) / z, 1e-6);
  /* exact-erf GELU at a few points (values from the closed form) */
  g_assert_cmpfloat_with_epsilon (w2vee_gelu_fast (1.0f), 0.5 * (1 + erf (1 / sqrt (2))),
      1e-6);
  g_assert_cmpfloat_with_epsilon (w2vee_gelu_fast (-2.0f),
      -1.0 * (1 + erf (-2 / sqrt (2))), 1e-6);
  g_assert_cmpfloat (w2vee_gelu_fast (0.0f), ==, 0.0f);
}

/* The vectorised GELU against erfc in double: relative error for x > -5 (below, the
 * exponent's rounding grows with x² but the values are under 1.5e-6; PyTorch's float
 * erf form already returns 0 there, and its 1 + erf cancels to ~1e-5 relative error
 * at x = -3), absolute error everywhere. */
static void
test_gelu_accuracy (void)
{
  double max_rel = 0.0, max_abs = 0.0;
  float x;

  for (x = -20.0f; x <= 20.0f; x += 0.0009765625f) {
    double ref = 0.5 * x * erfc (-x / sqrt (2.0));
    double got = w2vee_gelu_fast (x);

    if (x > -5.0f && x != 0.0f)
      max_rel = MAX (max_rel, fabs (got - ref) / fabs (ref));
    max_abs = MAX (max_abs, fabs (got - ref));
  }
  g_test_message ("gelu: max rel err %.3g, max abs err %.3g (tol 5e-6, 1e-6)", max_rel,
      max_abs);
  g_assert_cmpfloat (max_rel, <, 5e-6);
  g_assert_cmpfloat (max_abs, <, 1e-6);
}

/* The bf16 / int8 sessions' GELU against erfc in double: absolute error over the
 * whole line, relative where x > 1; the kernels (bias and scale-shift forms) give the
 * scalar's values to rounding (the vector clones may contract differently); NaN stays
 * NaN. */
static void
test_gelu_lowp (void)
{
  double max_rel = 0.0, max_abs = 0.0;
  float x, row[64], scale[64], shift[64], one[64], zero[64];
  gsize c;

  for (x = -30.0f; x <= 30.0f; x += 0.0009765625f) {
    double ref = 0.5 * x * erfc (-x / sqrt (2.0));
    double got = w2vee_gelu_lowp (x);

    if (x > 1.0f)
      max_rel = MAX (max_rel, fabs (got - ref) / ref);
    max_abs = MAX (max_abs, fabs (got - ref));
  }
  g_test_message ("gelu lowp: max abs err %.3g, max rel err (x > 1) %.3g (tol 3e-5, "
      "3e-5)", max_abs, max_rel);
  g_assert_cmpfloat (max_abs, <, 3e-5);
  g_assert_cmpfloat (max_rel, <, 3e-5);
  g_assert_true (isnan (w2vee_gelu_lowp (NAN)));
  g_assert_cmpfloat (w2vee_gelu_lowp (-1e6f), ==, 0.0f);
  g_assert_cmpfloat (w2vee_gelu_lowp (1e6f), ==, 1e6f);

  for (c = 0; c < 64; c++) {
    row[c] = (float) c / 4.0f - 8.0f;
    scale[c] = 0.5f + (float) c / 64.0f;
    shift[c] = (float) c / 32.0f - 1.0f;
    one[c] = 1.0f;
    zero[c] = 0.0f;
  }
  {
    float a[64], b[64];

    memcpy (a, row, sizeof a);
    memcpy (b, row, sizeof b);
    w2vee_bias_gelu (a, 1, 64, 64, shift, TRUE);
    w2vee_scale_shift_gelu (b, 1, 64, 64, scale, shift, TRUE);
    for (c = 0; c < 64; c++) {
      g_assert_cmpfloat_with_epsilon (a[c], w2vee_gelu_lowp (row[c] + shift[c]),
          1e-6 * (1.0f + fabsf (a[c])));
      g_assert_cmpfloat_with_epsilon (b[c], w2vee_gelu_lowp (row[c] * scale[c] +
              shift[c]), 1e-6 * (1.0f + fabsf (b[c])));
    }
    memcpy (a, row, sizeof a);
    w2vee_scale_shift_gelu (a, 1, 64, 64, one, zero, TRUE);
    for (c = 0; c < 64; c++)
      g_assert_cmpfloat_with_epsilon (a[c], w2vee_gelu_lowp (row[c]),
          1e-6 * (1.0f + fabsf (a[c])));
  }
}

/* Softmax through the approximate exp: rows sum to 1 and match exp in double. */
static void
test_softmax_accuracy (void)
{
  float row[200];
  double z = 0.0, max_rel = 0.0;
  gsize i;

  for (i = 0; i < 200; i++)
    row[i] = (float) (i % 37) * 0.7f - 12.0f;
  for (i = 0; i < 200; i++)
    z += exp (row[i] - 13.2);
  {
    float copy[200];

    memcpy (copy, row, sizeof (row));
    w2vee_softmax_rows (copy, 1, 200, 200);
    for (i = 0; i < 200; i++) {
      double ref = exp (row[i] - 13.2) / z;

      max_rel = MAX (max_rel, fabs (copy[i] - ref) / ref);
    }
  }
  g_test_message ("softmax: max rel err %.3g (tol 2e-6)", max_rel);
  g_assert_cmpfloat (max_rel, <, 2e-6);
}

/* A NaN score (non-finite weights or audio) gives a finite row, not undefined
 * behaviour (exp_approx converted NaN to an integer before; found by fuzz-model, checked
 * by UBSan in scripts/test.sh --sanitize): NaN entries weigh ~0, the rest sum to 1. */
static void
test_softmax_nan (void)
{
  float row[5] = { 0.5f, NAN, 1.5f, -2.0f, NAN }, sum = 0.0f;

  w2vee_softmax_rows (row, 1, 5, 5);
  for (gsize i = 0; i < 5; i++) {
    g_assert_true (isfinite (row[i]));
    sum += row[i];
  }
  g_assert_cmpfloat (row[1], <, 1e-30f);
  g_assert_cmpfloat (fabsf (sum - 1.0f), <, 1e-5f);
}

static void
test_normalize (void)
{
  float x[4] = { 1, 2, 3, 4 }, y[4];
  double mean = 2.5, var = 1.25;
  gsize i;

  w2vee_normalize (x, 4, y);
  for (i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (y[i], (x[i] - mean) / sqrt (var + 1e-7), 1e-6);
}

/* The int8 activation quantizer against its plain twin: the same bytes and scales
 * (ties to even included: rows scaled so that some x / s fall on .5), an all-zero row
 * with scale 1, and every byte within one step of x / s + 128. K = 37 and 768 cover
 * the vector body and its tail. */
static void
test_quantize_rows (void)
{
  static const gsize Ks[] = { 37, 768 };
  guint32 seed = 7;
  gsize ki;

  for (ki = 0; ki < G_N_ELEMENTS (Ks); ki++) {
    gsize K = Ks[ki], T = 5, i, t;
    g_autofree float *in = g_new (float, T * K);
    g_autofree guint8 *q = g_new (guint8, T * K), *qr = g_new (guint8, T * K);
    g_autofree float *s = g_new (float, T), *sr = g_new (float, T);

    for (i = 0; i < T * K; i++)
      in[i] = rnd (&seed) * 3.0f;
    for (i = 0; i < K; i++)            /* row 1: all zero */
      in[K + i] = 0.0f;
    for (i = 0; i < K; i++)            /* row 2: halves of the step 127 / 127 */
      in[2 * K + i] = (float) ((gint) (i % 255) - 127) * 0.5f;
    in[2 * K] = -127.0f;               /* max |row| = 127: s = 1, x / s = k + 0.5 */
    in[3 * K + K / 2] = -1e30f;        /* row 3: one huge value */
    w2vee_quantize_rows_u8 (in, T, K, K, q, s);
    w2vee_quantize_rows_u8_ref (in, T, K, K, qr, sr);
    g_assert_cmpmem (q, T * K, qr, T * K);
    g_assert_cmpmem (s, T * sizeof (float), sr, T * sizeof (float));
    g_assert_cmpfloat (s[1], ==, 1.0f);
    for (i = 0; i < K; i++)
      g_assert_cmpuint (q[K + i], ==, 128);
    for (t = 0; t < T; t++)
      for (i = 0; i < K; i++)
        g_assert_cmpfloat (fabs ((double) q[t * K + i] - 128.0 - in[t * K + i] / s[t]), <=,
            0.5 + 1e-5);
    /* ties go to even: x / s = 0.5 -> 0 -> byte 128, 1.5 -> 2 -> 130 */
    for (i = 0; i < K; i++) {
      double v = in[2 * K + i] / s[2];

      if (fabs (v - floor (v) - 0.5) < 1e-9)
        g_assert_cmpint (((gint) q[2 * K + i] - 128) % 2, ==, 0);
    }
  }
}

/* The int8 weight quantizer against its plain twin, and its clamp and sums. */
static void
test_quantize_rows_s8 (void)
{
  gsize N = 6, K = 777, i, n;
  guint32 seed = 3;
  g_autofree float *w = g_new (float, N * K);
  g_autofree gint8 *q = g_new (gint8, N * K), *qr = g_new (gint8, N * K);
  float s[6], sr[6];
  gint32 sum[6], sumr[6];

  for (i = 0; i < N * K; i++)
    w[i] = rnd (&seed) * 0.1f;
  for (i = 0; i < K; i++)
    w[K + i] = 0.0f;                  /* row 1: all zero, scale 1 */
  w[2 * K + 5] = 4.0f;                /* row 2: one outlier */
  w2vee_quantize_rows_s8 (w, N, K, q, s, sum);
  w2vee_quantize_rows_s8_ref (w, N, K, qr, sr, sumr);
  g_assert_cmpmem (q, N * K, qr, N * K);
  g_assert_cmpmem (s, sizeof s, sr, sizeof sr);
  g_assert_cmpmem (sum, sizeof sum, sumr, sizeof sumr);
  g_assert_cmpfloat (s[1], ==, 1.0f);
  g_assert_cmpint (q[2 * K + 5], ==, 127);
  for (n = 0; n < N; n++) {
    gint32 check = 0;

    for (i = 0; i < K; i++) {
      g_assert_cmpint (ABS (q[n * K + i]), <=, 127);
      g_assert_cmpfloat (fabs (q[n * K + i] - w[n * K + i] / s[n]), <=, 0.5 + 1e-5);
      check += q[n * K + i];
    }
    g_assert_cmpint (check, ==, sum[n]);
  }
}

/* The int8 dequantizer (with and without accumulation and GELU) against the formula
 * in double; its GELU is w2vee_gelu_lowp's (absolute error < 2.6e-5). */
static void
test_dequantize_rows (void)
{
  gsize T = 3, N = 45, t, n;
  guint32 seed = 11;
  gint32 acc[3 * 45], colsum[45];
  float rs[3] = { 0.02f, 1.5f, 0.003f }, ws[45], b[45], out[3 * 45], base[3 * 45];
  gint mode;

  for (n = 0; n < N; n++) {
    colsum[n] = (gint32) (rnd (&seed) * 2000);
    ws[n] = 0.01f + fabsf (rnd (&seed)) * 0.05f;
    b[n] = rnd (&seed);
  }
  for (t = 0; t < T * N; t++) {
    acc[t] = (gint32) (rnd (&seed) * 100000);
    base[t] = rnd (&seed);
  }
  for (mode = 0; mode < 4; mode++) {
    gboolean accumulate = mode & 1, gelu = mode >> 1;

    memcpy (out, base, sizeof out);
    w2vee_dequantize_rows (acc, T, N, colsum, rs, ws, b, accumulate, gelu, out);
    for (t = 0; t < T; t++)
      for (n = 0; n < N; n++) {
        double v = (double) (acc[t * N + n] - 128 * colsum[n]) * rs[t] * ws[n] + b[n];

        if (accumulate)
          v += base[t * N + n];
        if (gelu)
          v = 0.5 * v * (1.0 + erf (v / sqrt (2.0)));
        g_assert_cmpfloat (fabs (out[t * N + n] - v), <=, 1e-5 * (1.0 + fabs (v)) +
            (gelu ? 2.6e-5 : 0.0));
      }
  }
}

/* Attention of one head with bf16 products (data TRUE: int8 products) against softmax
 * ((q / √Dh) kᵀ) v in double, for lengths around the 16-row blocks, the 4-row query
 * blocks and int8's 64-key blocks, and a long input (T = 1, 5, 16, 33, 100, 600), Dh 64
 * and 128, inputs of wav2vec2's scale (|q|, |k| up to 3), and once more with |q| up to
 * 6 at T = 600: a sharp softmax (scores with a spread of about ±20) whose long tail of
 * small probabilities int8 must keep. Tolerance 3 % of max |ctx| for bf16, 6 % for int8:
 * on that sharp case int8 measured 4.2 % (Dh 64) and 5.7 % (Dh 128), mostly from the
 * scores (q and k rounded to 8 bits per row; with bf16 P v instead: 4.0 % at Dh 64);
 * at most 2.5 % on the others. What int8 costs a model is measured on its WER
 * (docs/performance.md). Skipped (with a message) on CPUs without AVX512-BF16 (and
 * AVX512-VNNI for int8). */
static void
test_attention (gconstpointer data)
{
  static const struct {
    gsize T;
    float q_amp;
  } cases[] = {
    { 1, 3 }, { 5, 3 }, { 16, 3 }, { 33, 3 }, { 100, 3 }, { 600, 3 }, { 600, 6 },
  };
  static const gsize Dhs[] = { 64, 128 };
  gboolean int8 = GPOINTER_TO_INT (data);
  double tol = int8 ? 6e-2 : 3e-2;
  guint32 seed = 5;
  gsize ti, di;

  if (!int8 && !w2vee_attention_bf16_supported (64)) {
    g_test_skip ("this CPU has no AVX512-BF16");
    return;
  }
  if (int8 && !w2vee_attention_int8_supported (64)) {
    g_test_skip ("this CPU has no AVX512-BF16 and AVX512-VNNI");
    return;
  }
  for (di = 0; di < G_N_ELEMENTS (Dhs); di++)
    for (ti = 0; ti < G_N_ELEMENTS (cases); ti++) {
      gsize T = cases[ti].T, Dh = Dhs[di], ld = Dh + 16, t, u, d;
      g_autofree float *q = g_new (float, T * ld), *k = g_new (float, T * ld);
      g_autofree float *v = g_new (float, T * ld), *ctx = g_new0 (float, T * ld);
      g_autofree float *scores = g_new (float, W2VEE_ATTENTION_BF16_ROWS * T);
      g_autofree guint16 *work = g_new (guint16, w2vee_attention_bf16_work (T, Dh));
      g_autofree double *p = g_new (double, T);
      double maxdiff = 0.0, maxref = 0.0;
      float scale = 1.0f / sqrtf ((float) Dh);

      for (t = 0; t < T * ld; t++) {
        q[t] = rnd (&seed) * cases[ti].q_amp;
        k[t] = rnd (&seed) * 3.0f;
        v[t] = rnd (&seed);
      }
      w2vee_attention_head_bf16 (q, k, v, ld, T, Dh, scale, int8, scores, work, ctx, ld);
      for (t = 0; t < T; t++) {
        double m = -INFINITY, sum = 0.0;

        for (u = 0; u < T; u++) {
          double s = 0.0;

          for (d = 0; d < Dh; d++)
            s += (double) q[t * ld + d] * k[u * ld + d];
          p[u] = s * scale;
          m = MAX (m, p[u]);
        }
        for (u = 0; u < T; u++)
          sum += (p[u] = exp (p[u] - m));
        for (d = 0; d < Dh; d++) {
          double c = 0.0;

          for (u = 0; u < T; u++)
            c += p[u] / sum * v[u * ld + d];
          maxdiff = MAX (maxdiff, fabs (c - ctx[t * ld + d]));
          maxref = MAX (maxref, fabs (c));
        }
        for (d = Dh; d < ld; d++)      /* the columns past the head are not written */
          g_assert_cmpfloat (ctx[t * ld + d], ==, 0.0f);
      }
      g_test_message ("%s T=%" G_GSIZE_FORMAT " Dh=%" G_GSIZE_FORMAT " |q|<=%g"
          ": max |out - ref| = %.3g of max |ref| %.3g (tol %g of it)",
          int8 ? "int8" : "bf16", T, Dh, cases[ti].q_amp, maxdiff, maxref, tol);
      g_assert_cmpfloat (maxdiff, <=, tol * maxref);
    }
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (conv_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/kernels/conv1d/C%zu-S%zu-K%zu",
        conv_cases[i].C, conv_cases[i].S, conv_cases[i].K);

    g_test_add_data_func (path, &conv_cases[i], test_conv);
  }
  g_test_add_func ("/kernels/conv1d-k3s2-winograd", test_conv_k3s2);
  g_test_add_func ("/kernels/layer-norm", test_layer_norm);
  g_test_add_func ("/kernels/softmax-gelu", test_softmax_gelu);
  g_test_add_func ("/kernels/normalize", test_normalize);
  g_test_add_func ("/kernels/gelu-accuracy", test_gelu_accuracy);
  g_test_add_func ("/kernels/softmax-accuracy", test_softmax_accuracy);
  g_test_add_func ("/kernels/softmax-nan", test_softmax_nan);
  g_test_add_func ("/kernels/quantize-rows", test_quantize_rows);
  g_test_add_func ("/kernels/dequantize-rows", test_dequantize_rows);
  g_test_add_func ("/kernels/gelu-lowp", test_gelu_lowp);
  g_test_add_func ("/kernels/quantize-rows-s8", test_quantize_rows_s8);
  g_test_add_data_func ("/kernels/attention-bf16", GINT_TO_POINTER (FALSE),
      test_attention);
  g_test_add_data_func ("/kernels/attention-int8", GINT_TO_POINTER (TRUE), test_attention);
  return g_test_run ();
}
