/* Numeric kernels of libw2vee (see kernels.h for the shape legend). */
#include "kernels.h"

#include <cblas.h>
#include <math.h>

void
w2vee_linear (const float *in, gsize T, gsize C, gsize ldi, const float *w,
    const float *b, gsize OC, float *out, gsize ldo, gboolean accumulate)
{
  /* in is (T,C), w is (OC,C) -> out is (T,OC) */
  if (T == 0)
    return;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T, (int) OC, (int) C,
      1.0f, in, (int) ldi, w, (int) C, accumulate ? 1.0f : 0.0f, out, (int) ldo);
  if (b)
    w2vee_bias_add (out, T, OC, ldo, b);
}

void
w2vee_conv1d (const float *in, gsize C, gsize S, const float *w, gsize K, gsize OC,
    float *out, gsize T_out)
{
  /* in is (T_in,C), w is (OC,K,C) -> out is (T_out,OC).
   * Output row t reads the K·C contiguous floats at in + t·S·C. BLAS wants a row stride
   * no smaller than the row, so the taps are split into chunks of at most S taps: chunk
   * [j, j+n) is the (T_out, n·C) view at in + j·C with row stride S·C, multiplied by the
   * (OC, n·C) slice of w at column j·C (row stride K·C), accumulated into out. */
  gsize j;

  if (T_out == 0)
    return;
  for (j = 0; j < K; j += S) {
    gsize n = MIN (S, K - j);

    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T_out, (int) OC,
        (int) (n * C), 1.0f, in + j * C, (int) (S * C), w + j * C, (int) (K * C),
        j == 0 ? 0.0f : 1.0f, out, (int) OC);
  }
}

void
w2vee_conv1d_naive (const float *in, gsize C, gsize S, const float *w, gsize K,
    gsize OC, float *out, gsize T_out)
{
  /* in is (T_in,C), w is (OC,K,C) -> out is (T_out,OC) */
  gsize t, o, k, c;

  for (t = 0; t < T_out; t++) {
    for (o = 0; o < OC; o++) {
      double acc = 0.0;

      for (k = 0; k < K; k++)
        for (c = 0; c < C; c++)
          acc += (double) w[(o * K + k) * C + c] * in[(t * S + k) * C + c];
      out[t * OC + o] = (float) acc;
    }
  }
}

float
w2vee_gelu (float x)
{
  return 0.5f * x * (1.0f + erff (x * (float) M_SQRT1_2));
}

void
w2vee_bias_gelu (float *y, gsize T, gsize C, gsize ld, const float *b)
{
  /* y is (T,C), b is (C) or NULL */
  gsize t, c;

  for (t = 0; t < T; t++) {
    float *row = y + t * ld;

    if (b) {
      for (c = 0; c < C; c++)
        row[c] = w2vee_gelu (row[c] + b[c]);
    } else {
      for (c = 0; c < C; c++)
        row[c] = w2vee_gelu (row[c]);
    }
  }
}

void
w2vee_bias_add (float *y, gsize T, gsize C, gsize ld, const float *b)
{
  /* y is (T,C), b is (C) */
  gsize t, c;

  for (t = 0; t < T; t++) {
    float *row = y + t * ld;

    for (c = 0; c < C; c++)
      row[c] += b[c];
  }
}

void
w2vee_layer_norm (const float *in, gsize T, gsize C, gsize ldi, const float *g,
    const float *b, float eps, float *out, gsize ldo)
{
  /* in is (T,C), g and b are (C) -> out is (T,C) */
  gsize t, c;

  for (t = 0; t < T; t++) {
    const float *x = in + t * ldi;
    float *y = out + t * ldo;
    float mean = 0.0f, var = 0.0f, inv;

    for (c = 0; c < C; c++)
      mean += x[c];
    mean /= (float) C;
    for (c = 0; c < C; c++) {
      float d = x[c] - mean;

      var += d * d;
    }
    var /= (float) C;
    inv = 1.0f / sqrtf (var + eps);
    for (c = 0; c < C; c++)
      y[c] = (x[c] - mean) * inv * g[c] + b[c];
  }
}

void
w2vee_softmax_rows (float *s, gsize T, gsize N, gsize ld)
{
  /* s is (T,N), in place */
  gsize t, n;

  for (t = 0; t < T; t++) {
    float *row = s + t * ld;
    float max = row[0], sum = 0.0f, inv;

    for (n = 1; n < N; n++)
      max = MAX (max, row[n]);
    for (n = 0; n < N; n++) {
      row[n] = expf (row[n] - max);
      sum += row[n];
    }
    inv = 1.0f / sum;
    for (n = 0; n < N; n++)
      row[n] *= inv;
  }
}

void
w2vee_normalize (const float *in, gsize n, float *out)
{
  /* in is (n) -> out is (n) */
  double mean = 0.0, var = 0.0, inv;
  gsize i;

  if (n == 0)
    return;
  for (i = 0; i < n; i++)
    mean += in[i];
  mean /= (double) n;
  for (i = 0; i < n; i++) {
    double d = in[i] - mean;

    var += d * d;
  }
  var /= (double) n;
  inv = 1.0 / sqrt (var + 1e-7);
  for (i = 0; i < n; i++)
    out[i] = (float) ((in[i] - mean) * inv);
}
